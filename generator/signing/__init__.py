"""Digital sign-off: empty signature fields in every PDF annex, PAdES signing and verification."""
