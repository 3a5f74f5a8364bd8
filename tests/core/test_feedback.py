"""`required_text`: the services' one rule for a text they will not take blank."""

import pytest
from django.core.exceptions import ValidationError

from zichuan_heating.feedback import required_text


def test_a_text_comes_back_stripped():
    assert required_text("  凭证 001 \n", "请填写凭证号。") == "凭证 001"


@pytest.mark.parametrize("blank", [None, "", "   ", "\n\t"])
def test_a_blank_text_is_refused_with_the_message_on_its_field(blank):
    with pytest.raises(ValidationError) as refused:
        required_text(blank, "请填写凭证号。", field="reference")
    assert refused.value.message_dict == {"reference": ["请填写凭证号。"]}


def test_without_a_field_the_refusal_is_for_the_whole_form():
    with pytest.raises(ValidationError) as refused:
        required_text("", "请填写失败原因。")
    assert not hasattr(refused.value, "error_dict")
    assert refused.value.messages == ["请填写失败原因。"]
