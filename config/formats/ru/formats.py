"""Russian date formats where Django's read wrongly: a day and its month ("6 декабря", in the
admin's date drill-down) takes the month in the genitive, not "6 Декабрь". The rest are
Django's own (django/conf/locale/ru/formats.py)."""

MONTH_DAY_FORMAT = "j E"
