"""Sales use cases, the only code that writes the context's tables: capturing leads from
every source (:mod:`.leads`, :mod:`.lead_import`), assigning them (:mod:`.assignment`),
qualifying and converting them (:mod:`.conversion`), pipelines (:mod:`.pipelines`) and
moving opportunities through them (:mod:`.opportunities`). Every one takes a batch and writes
all of it or nothing."""
