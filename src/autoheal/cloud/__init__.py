"""Cloud investigations: the RDS investigator over the AWS tools (docs/cloud.md).

``targets`` (which instance and metric an alert is about) -> ``gather`` (governed reads) ->
``rules`` / ``findings`` (causes and red herrings) -> ``rds.RdsGenerator`` (the engine's
generator). ``cases``, ``emulator`` (moto as a local server), ``fakepi`` (Performance Insights)
and ``bench`` serve ``autoheal bench rds``.
"""
