"""Access control: Cloudillo's visibility ladder and roles, TOP/BOTTOM policies with conditions
and time windows, and decisions that explain themselves.

    from cairn import access
    alice = access.Subject("alice.example.com", following=True)
    post = access.Resource("bob.example.com", visibility="F")
    access.check(alice, "action:read", post)                       # True
    access.check(alice, "action:write", post, explain=True).step   # 'default_deny'
"""

from ._core import access as _access

Subject = _access.Subject
Resource = _access.Resource
Policy = _access.Policy
Decision = _access.Decision
AccessService = _access.AccessService
check = _access.check
can_access = _access.can_access
visible_levels = _access.visible_levels
expand_roles = _access.expand_roles
relationship_level = _access.relationship_level
can_manage_member = _access.can_manage_member
can_assign_role = _access.can_assign_role
resolve_file_access = _access.resolve_file_access

__all__ = ["AccessService", "Decision", "Policy", "Resource", "Subject", "can_access",
           "can_assign_role", "can_manage_member", "check", "expand_roles", "relationship_level",
           "resolve_file_access", "visible_levels"]
