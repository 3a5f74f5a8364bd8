"""Villages (村、居): the statistical committees of each town, added, renamed and merged there."""
