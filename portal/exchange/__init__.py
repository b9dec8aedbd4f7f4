"""Data exchange with the sector database: the record → XML mapping (record_xml) and its XSD. Pure."""
