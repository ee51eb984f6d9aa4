"""Every change of a letter's status happens in this package, and only here, one module per
concern:

- ``core``: the transition machinery (row lock, allowed-from check, event, announcement,
  the supporter's e-mail), the errors every service raises, and the permission check;
- ``submission``: the supporter writes and cancels;
- ``translation``: the desk (claims, drafts, hand-in, review, flags, claim reminders);
- ``dispatch``: holds, postage, posting batches, posting and returning;
- ``closure``: closing the letters on their way to someone released or deceased;
- ``notifications``: e-mails to supporters and coordinators;
- ``privacy``: erasing a supporter's data, on request or after the retention period.

Callers import the module of the concern they need (``from letters.services import
translation``); nothing is re-exported here.
"""
