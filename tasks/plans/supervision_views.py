"""Supervision notices (督办): the district office issues, the town answers, the office closes
or sends back."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tasks.models import NoticeAttachment, NoticeState, SupervisionNotice, Town
from tasks.models.plans import AWAITING_TOWN_STATES, NOTICE_FLOW
from tasks.plans import documents
from tasks.plans import services as ps
from tasks.plans.forms import NoticeAnswerForm, NoticeCloseForm, NoticeIssueForm, NoticeSendBackForm
from tasks.queries import active_programme
from zichuan_heating.decorators import role_required
from zichuan_heating.feedback import attempt, flash_errors
from zichuan_heating.scoping import get_for_user_or_404
from zichuan_heating.uploads import attachment_response

STATE_FILTERS = {
    "awaiting": {"state__in": AWAITING_TOWN_STATES},
    "answered": {"state": NoticeState.ANSWERED},
    "closed": {"state": NoticeState.CLOSED},
}


@role_required("tasks.view_supervisionnotice")
def notice_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    qs = SupervisionNotice.objects.for_user(request.user).select_related("town", "issued_by")
    state = request.GET.get("state", "")
    if state == "overdue":
        qs = qs.overdue(today)
    elif state in STATE_FILTERS:
        qs = qs.filter(**STATE_FILTERS[state])
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "tasks/supervision/list.html",
        {"page": page, "state": state, "today": today},
    )


@role_required("tasks.issue_supervisionnotice")
@require_http_methods(["GET", "POST"])
def notice_issue(request: HttpRequest) -> HttpResponse:
    programme = active_programme()
    if programme is None:
        raise Http404
    initial = {}
    if request.GET.get("town"):
        initial["town"] = Town.objects.filter(code=request.GET["town"]).first()
    form = NoticeIssueForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        # Not `attempt`: the page to go to is the new notice's, the service's result.
        try:
            notice = ps.notice_issue(
                programme=programme,
                by=request.user,
                **{k: form.cleaned_data[k] for k in ("town", "title", "problem", "deadline")},
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("督办已下发，%(town)s将收到通知。") % {"town": notice.town})
            return redirect(notice)
    return render(request, "tasks/supervision/issue.html", {"form": form})


def _notice_or_404(request: HttpRequest, pk: int) -> SupervisionNotice:
    """The notice with what its page and its document show; another town's is a 404."""
    related = ("town", "programme", "issued_by", "answered_by", "closed_by")
    return get_for_user_or_404(
        SupervisionNotice.objects.select_related(*related), request.user, pk=pk
    )


@role_required("tasks.view_supervisionnotice")
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice_or_404(request, pk)
    attachments = notice.attachments.select_related("uploaded_by")
    user = request.user
    can_answer = (
        NOTICE_FLOW.can(notice, "answer")
        and user.has_perm("tasks.answer_supervisionnotice")
        and ps.is_town_official_of(user, notice.town_id)
    )
    can_decide = (
        NOTICE_FLOW.can(notice, "close")
        and user.has_perm("tasks.issue_supervisionnotice")
        and not user.town_id
    )
    return render(
        request,
        "tasks/supervision/detail.html",
        {
            "notice": notice,
            "attachments": attachments,
            "today": timezone.localdate(),
            "history": notice.history.select_related("history_user").order_by("history_id"),
            "can_answer": can_answer,
            "can_decide": can_decide,
            "answer_form": NoticeAnswerForm(initial={"answer": notice.answer}),
            "close_form": NoticeCloseForm(),
            "send_back_form": NoticeSendBackForm(),
        },
    )


@role_required("tasks.view_supervisionnotice")
def notice_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice with its number, printable (PDF)."""
    notice = _notice_or_404(request, pk)
    return documents.notice_document(notice)


def _notice_action(
    perm: str, form_class: type, invalid: str, act: Callable, done: str
) -> Callable[[HttpRequest, int], HttpResponse]:
    """A POST-only view: read the form (or say `invalid`), run `act` on the notice, say `done`."""

    @role_required(perm)
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        notice = get_for_user_or_404(SupervisionNotice, request.user, pk=pk)
        form = form_class(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, invalid)
        else:
            data = {k: v for k, v in form.cleaned_data.items() if k != "confirm"}
            attempt(request, lambda: act(notice=notice, by=request.user, **data), done)
        return redirect(notice)

    return view


ANSWER, ISSUE = "tasks.answer_supervisionnotice", "tasks.issue_supervisionnotice"
notice_answer = _notice_action(
    ANSWER,
    NoticeAnswerForm,
    _lazy("请填写整改情况。"),
    ps.notice_answer,
    _lazy("整改情况已反馈区清洁取暖办。"),
)
notice_close = _notice_action(
    ISSUE, NoticeCloseForm, _lazy("请勾选确认后再销号。"), ps.notice_close, _lazy("督办已销号。")
)
notice_send_back = _notice_action(
    ISSUE,
    NoticeSendBackForm,
    _lazy("退回时必须说明理由。"),
    ps.notice_send_back,
    _lazy("已退回，镇（街道）需重新整改。"),
)


@require_GET
@role_required("tasks.view_supervisionnotice")
def notice_attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """A photo or scan of an answer: only for those who may see the notice's town."""
    return attachment_response(get_for_user_or_404(NoticeAttachment, request.user, pk=pk))
