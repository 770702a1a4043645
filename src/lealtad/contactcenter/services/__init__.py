"""Use cases of the contact center: the only code that writes its tables.

``setup`` shapes the center (skills, queues, agents, wrap-up codes, settings), ``agents``
moves agents between states, ``contacts`` takes a contact from arrival to wrap-up, and
``runtime`` runs the ACD router over them. Each change is journalled (``journal``) in its
own transaction, so the router, the wallboard and the reports follow one record.
"""
