"""Staff accounts and roles: role groups and their permissions, object-level rules, the staff lifecycle.

Public face: ``roles`` (the ``Role`` enum and the role → permission map), ``selectors`` (who has which role),
``services`` (``roles_sync``, ``staff_create``, ``staff_set_roles``, ``staff_disable``, ``staff_enable``,
``staff_reset_password``), and the rules registered by ``rules`` (``accounts.approve_submission``,
``accounts.view_task``). Higher apps check permissions with ``user.has_perm(...)``.
"""
