// Package chain inspects the certificate chain that an OIDC issuer or JWKS
// host presents in its TLS handshake, verifies it the way IAM does, computes
// IAM OIDC provider thumbprints and plans updates to a provider's thumbprint
// list.
//
// IAM validates the JWKS host's certificate against its own set of trusted
// root CAs first and consults the configured thumbprints only when the chain
// does not lead to one of those CAs. A thumbprint is the SHA-1 of the top
// certificate the server presents, and IAM stores at most five of them per
// provider.
package chain
