"""The học bạ record: built, rendered, signed along its chain, issued, verified, corrected, shown to parents.

The signing *chain* (who signs next, claims, issuance) lives here as `chain`; `portal.signing` is the
PDF/XML signing machinery it calls, with keys passed in.

- record: the record object assembled once from the database; rendering: its PDF; preview: what staff see
- chain: the signing chain and issuance; chain_files: where each step's PDF and XML are written, issued exports
- subject_signing: secondary subject teachers' slots in the chain; secondary_record: the TT22 record object
- withdrawal: the principal takes a record out of the chain, with a reason
- xml_record, xml_verification: the XML of equal value, signed at every step, and its check
- signers, binding: who may sign which role, and whether each signature is by that person
- batches, parallel: signing many records (a batch, on every core)
- freeze: data of a record in the chain may not change
- timestamps: TSA, LTV at issuance, renewing archive timestamps
- verification: is this học bạ genuine, complete, current and unchanged?
- corrections: a new version of an issued record, approved by the principal
- parents: parents' read-only access codes
- remote_signing: the remote signing service client for one signer's certificate
"""
