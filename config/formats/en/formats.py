"""English dates as our British readers and the rest of the site write them: "7 December 2026,
03:45" in the admin's fields and lists, where Django's American default reads "Dec. 7, 2026,
3:45 a.m." beside the history's "7 December 2026, 03:44 GMT" on the same page. The rest are
Django's own (django/conf/locale/en/formats.py)."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
MONTH_DAY_FORMAT = "j F"
