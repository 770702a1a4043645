"""Probabilistic identity resolution (Fellegi-Sunter): plain Python and numpy, no Django.

The pieces, in the order a batch dedupe uses them:

* :mod:`~lealtad.matching.records` turns customers into a columnar :class:`Records` batch of
  normalized fields (accents folded, Spanish nicknames and abbreviations expanded, phones and
  national ids reduced to their digits).
* :mod:`~lealtad.matching.blocking` proposes candidate pairs: the union of several cheap
  rules (same national id, same phone, same names, same birth date and initial, …).
* :mod:`~lealtad.matching.comparisons` compares each candidate pair field by field into a
  level (exact, close, initials, transposed, different, missing).
* :mod:`~lealtad.matching.fellegi_sunter` estimates how likely each level is among matches
  (m) and non-matches (u) from the data itself, without labels, and scores pairs.
* :mod:`~lealtad.matching.clustering` groups the pairs above the threshold into clusters.
* :mod:`~lealtad.matching.training` trains a model on a base (``train``), and
  :mod:`~lealtad.matching.pipeline` ties the parts together to deduplicate it (``dedupe``);
  :mod:`~lealtad.matching.realtime` answers "who is this?" for one incoming record.

The Django side is ``lealtad.customers.dedupe`` (loading customers, training) and
``lealtad.customers.dedupe_run`` (the batch dedupe that merges).
"""

from lealtad.matching.fellegi_sunter import Model
from lealtad.matching.pipeline import DedupeResult, dedupe
from lealtad.matching.records import Person, Records
from lealtad.matching.training import train

__all__ = ["DedupeResult", "Model", "Person", "Records", "dedupe", "train"]
