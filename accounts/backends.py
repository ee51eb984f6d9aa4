"""Django's ModelBackend with each user's permissions kept in the cache (Redis), so a staff
request does not run the two permission queries (user's, groups') every time.

Any change that can alter someone's permissions drops the cached sets: a change of a group,
a permission or a group's permissions starts a new generation (every entry holds the one it was
made in, so all are made again); a change of one user (their groups, their own permissions,
their flags) drops that user's entry. A request reads the generation and its user's entry in
one round trip.
Receivers are connected in ``AccountsConfig.ready``."""

from __future__ import annotations

import time

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

from core.compiled import CompiledQuery

GENERATION_KEY = "perms:generation"
TIMEOUT = 60 * 60  # seconds; a change drops the entry at once, this only bounds its life


def _first_generation() -> int:
    """A generation never used before (the clock, in ms): if Redis loses the counter, entries
    left from an old generation are not read again."""
    return int(time.time() * 1000)


def _generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, _first_generation(), timeout=None)
        generation = cache.get(GENERATION_KEY) or _first_generation()
    return int(generation)


def _key(user_id: int) -> str:
    return f"perms:user:{user_id}"


def forget_user(user_id: int) -> None:
    cache.delete(_key(user_id))


def forget_everyone() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet: nothing cached under it
        cache.add(GENERATION_KEY, _first_generation(), timeout=None)


def _user_row(p):
    User = get_user_model()
    return User._default_manager.filter(pk=p.pk).values_list(*_user_fields())


def _user_fields() -> list[str]:
    return [field.attname for field in get_user_model()._meta.concrete_fields]


# Every staff request loads its user; the ORM spent more CPU writing that SELECT than running it.
_user_by_pk = CompiledQuery(_user_row)


class CachedPermissionsBackend(ModelBackend):
    def get_user(self, user_id):
        """ModelBackend's, with the query compiled once (core.compiled): the same row, made
        into the same instance the ORM would make, and the same check that it may sign in."""
        User = get_user_model()
        rows = _user_by_pk(pk=User._meta.pk.to_python(user_id))
        if not rows:
            return None
        user = User.from_db(User._default_manager.db, _user_fields(), rows[0])
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            # The generation and the user's entry in one round trip; the entry holds the
            # generation it was made in, and one from an older generation is made again.
            key = _key(user_obj.pk)
            found = cache.get_many([GENERATION_KEY, key])
            generation = found.get(GENERATION_KEY)
            generation = _generation() if generation is None else int(generation)
            entry = found.get(key)
            if entry is not None and entry[0] == generation:
                permissions = entry[1]
            else:
                permissions = super().get_all_permissions(user_obj)
                cache.set(key, (generation, permissions), TIMEOUT)
            user_obj._perm_cache = set(permissions)
        return user_obj._perm_cache


def user_changed(sender, instance, **kwargs) -> None:
    """A user saved or deleted (superuser or active flag, say): their entry goes."""
    forget_user(instance.pk)


def memberships_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    """User.groups or User.user_permissions changed, from either side."""
    if not action.startswith("post_"):
        return
    from django.contrib.auth import get_user_model

    if isinstance(instance, get_user_model()):
        forget_user(instance.pk)
    else:  # from the group's or the permission's side: possibly many users
        forget_everyone()


def everyone_changed(sender, **kwargs) -> None:
    """A group, a permission, or a group's permissions changed: every entry goes."""
    if kwargs.get("action", "post_").startswith("post_"):
        forget_everyone()
