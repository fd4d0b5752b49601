"""The roles a post can play in a campaign, as data: names, what each means, example phrases.

Why data and not code: the roles of #MeToo (disclosure, support, commentary, opposition,
other) are one reading of one campaign; a campaign against school bullying or for a disease's
awareness has other voices. A campaign file renames, merges or adds roles and gives example
phrases per role and language (``[roles]``, docs/roles.md), and every classifier, estimate
and report reads the set it is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["DEFAULT_ROLES", "Role", "RoleSet", "RoleSetError"]


class RoleSetError(ValueError):
    """A ``[roles]`` section that cannot be used, with what to change."""


@dataclass(frozen=True)
class Role:
    """One role: its name, what it means, example phrases per language (the rules' cues)."""

    name: str
    description: str
    phrases: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class RoleSet:
    """The roles of a campaign, in order; ``disclosure`` names the role the campaign counts
    ("how many said it happened to them"), ``fallback`` the one for what fits none."""

    roles: tuple[Role, ...]
    disclosure: str = "disclosure"
    fallback: str = "other"
    #: written role → role, for labels and models made under older names (merges, renames)
    aliases: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.roles)

    def __getitem__(self, name: str) -> Role:
        for role in self.roles:
            if role.name == name:
                return role
        raise KeyError(name)

    def canonical(self, written: str) -> str | None:
        """A label as written (any case, an alias) → the role's name, or None if unknown."""
        key = written.strip().lower()
        key = self.aliases.get(key, key)
        return key if key in self.names else None

    @classmethod
    def from_config(cls, data: dict[str, Any] | None) -> RoleSet:
        """The default set changed by a campaign file's ``[roles]`` section:

        - ``rename = { commentary = "news" }``: a role takes another name;
        - ``merge = { opposition = "other" }``: a role's posts count as another's;
        - ``[roles.add.<name>] description = "…"``: a new role;
        - ``[roles.phrases.<role>] en = ["…"], fr = ["…"]``: example phrases, added to the
          default ones (what the rules look for);
        - ``disclosure = "name"``: the role the campaign counts, when it is not disclosure.
        """
        if not data:
            return DEFAULT_ROLES
        unknown = set(data) - {"rename", "merge", "add", "phrases", "disclosure", "model"}
        if unknown:
            raise RoleSetError(f"[roles] unknown key {', '.join(sorted(unknown))} (known: "
                               "rename, merge, add, phrases, disclosure, model)")
        roles = {r.name: r for r in DEFAULT_ROLES.roles}
        aliases: dict[str, str] = {}
        for old, new in (data.get("merge") or {}).items():
            if old not in roles or new not in roles:
                raise RoleSetError(f"[roles] merge: {old} → {new}: both must be roles "
                                   f"({', '.join(roles)})")
            kept = roles[new]
            gone = roles.pop(old)
            roles[new] = Role(kept.name, kept.description, _joined(kept.phrases, gone.phrases))
            aliases[old] = new
        for name, spec in (data.get("add") or {}).items():
            if name in roles or not isinstance(spec, dict):
                raise RoleSetError(f"[roles.add.{name}]: a new role's table "
                                   "(description = …), not an existing role")
            roles[name] = Role(name, str(spec.get("description", "")))
        for name, phrases in (data.get("phrases") or {}).items():
            if name not in roles or not isinstance(phrases, dict):
                raise RoleSetError(f"[roles.phrases.{name}]: phrases of a role, by language")
            given = {lang: tuple(map(str, p)) for lang, p in phrases.items()}
            roles[name] = Role(name, roles[name].description,
                               _joined(roles[name].phrases, given))
        renamed = {}
        for old, new in (data.get("rename") or {}).items():
            if old not in roles:
                raise RoleSetError(f"[roles] rename: {old} is not a role")
            renamed[old] = str(new).lower()
            aliases[old] = str(new).lower()
        ordered = tuple(Role(renamed.get(r.name, r.name), r.description, r.phrases)
                        for r in roles.values())
        aliases = {k: renamed.get(v, v) for k, v in aliases.items()}
        disclosure = str(data.get("disclosure", renamed.get("disclosure", "disclosure")))
        fallback = renamed.get("other", "other")
        names = {r.name for r in ordered}
        if disclosure not in names:
            raise RoleSetError(f"[roles] disclosure = {disclosure!r} is not a role")
        if fallback not in names:
            raise RoleSetError("[roles] the role 'other' (what fits no role) cannot be merged "
                               "away; rename it instead")
        return cls(ordered, disclosure, fallback, aliases)


def _joined(a: dict[str, tuple[str, ...]], b: dict[str, tuple[str, ...]]
            ) -> dict[str, tuple[str, ...]]:
    return {lang: tuple(dict.fromkeys((*a.get(lang, ()), *b.get(lang, ()))))
            for lang in {*a, *b}}


DEFAULT_ROLES = RoleSet((
    Role("disclosure", "a first-person account of one's own experience of harassment or "
                       "assault (a 'me too' in answer to the call counts)"),
    Role("support", "belief, solidarity or encouragement for those who spoke"),
    Role("commentary", "news, opinion, information or discussion about the campaign or "
                       "its subject"),
    Role("opposition", "dismissal, backlash, hate or sarcasm against the campaign or those "
                       "who spoke"),
    Role("other", "anything else: chatter, promotion, unrelated or unclear posts"),
))
