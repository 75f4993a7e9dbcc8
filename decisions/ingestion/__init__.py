"""Getting files into the archive: finding letters in paths and zips, parsing them in parallel.

``sources`` and ``prepare`` import no Django, so parser processes start light; ``pipeline``
ties them to the one write path in ``decisions.services``.
"""
