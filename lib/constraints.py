"""Model validation that skips the check constraints it cannot check.

A ModelForm validates its instance's constraints with its own fields only: a check
constraint on a field the form leaves out (a complaint's status, set by the services)
cannot be checked, and Django finds that out by building a query for it and the error
its missing field raises, then dropping both (0.5 ms per filing form, `make bench`).
Here a check constraint is skipped up front when the fields it names are excluded; one
whose condition names something other than plain fields goes to Django as before.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, router
from django.db.models.constants import LOOKUP_SEP


class ValidatesCheckableConstraints(models.Model):
    class Meta:
        abstract = True

    def validate_constraints(self, exclude: Any = None) -> None:
        if not exclude:
            return super().validate_constraints(exclude=exclude)
        using = router.db_for_write(self.__class__, instance=self)
        errors: dict[str, Any] = {}
        for model_class, model_constraints in self.get_constraints():
            for constraint in model_constraints:
                named = constraint_fields(constraint)
                if named is not None and not named.isdisjoint(exclude):
                    continue  # Django would find it uncheckable and pass
                try:
                    constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as e:
                    # As Django keeps them: a one-field unique constraint's error by its field.
                    if getattr(e, "code", None) == "unique" and len(getattr(constraint, "fields", ())) == 1:
                        errors.setdefault(constraint.fields[0], []).append(e)
                    else:
                        errors = e.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


def constraint_fields(constraint: models.BaseConstraint) -> frozenset[str] | None:
    """The fields a check constraint's condition names, or None when it is not only
    lookups on fields (an expression, another kind of constraint): those go to Django."""
    if isinstance(constraint, models.CheckConstraint) and isinstance(constraint.condition, models.Q):
        return _q_fields(constraint.condition)
    return None


def _q_fields(q: models.Q) -> frozenset[str] | None:
    names: set[str] = set()
    for child in q.children:
        if isinstance(child, models.Q):
            inner = _q_fields(child)
            if inner is None:
                return None
            names |= inner
        elif isinstance(child, tuple) and not hasattr(child[1], "resolve_expression"):
            names.add(child[0].split(LOOKUP_SEP, 1)[0])
        else:
            return None
    return frozenset(names)
