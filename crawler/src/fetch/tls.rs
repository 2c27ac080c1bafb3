//! The HTTP client's TLS settings: what reqwest builds for rustls with the
//! platform's verifier, except that the system's root certificates load at
//! the first TLS handshake instead of when the client is built. Reading and
//! parsing them takes about 5 ms of a core (about 150 PEM certificates),
//! which a scan of an `http://` site never needs and which otherwise comes
//! before every scan's first request.

use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_platform_verifier::Verifier;

/// TLS 1.2 and 1.3, ALPN for HTTP/2 and HTTP/1.1 (what reqwest offers with
/// its `http2` feature), server certificates checked by the platform's
/// verifier against the system's roots.
pub(super) fn client_config() -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(rustls::ALL_VERSIONS)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(LazyVerifier {
            provider,
            verifier: OnceLock::new(),
        }))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// The platform's verifier, made at its first use.
#[derive(Debug)]
struct LazyVerifier {
    provider: Arc<CryptoProvider>,
    verifier: OnceLock<Result<Verifier, rustls::Error>>,
}

impl LazyVerifier {
    /// The verifier, or why it could not be made (no root certificate on
    /// the system): every handshake then fails with that reason.
    fn get(&self) -> Result<&Verifier, rustls::Error> {
        self.verifier
            .get_or_init(|| Verifier::new(Arc::clone(&self.provider)))
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl ServerCertVerifier for LazyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.get()?
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.get()?.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.get()?.verify_tls13_signature(message, cert, dss)
    }

    /// What the platform's verifier says on this system (the provider's
    /// algorithms), without loading the roots: the client offers these in
    /// its first message, before any certificate is seen.
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schemes offered before the roots load are the ones the loaded
    /// verifier supports.
    #[test]
    fn offered_schemes_are_the_verifiers() {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let lazy = LazyVerifier {
            provider: Arc::clone(&provider),
            verifier: OnceLock::new(),
        };
        let offered = lazy.supported_verify_schemes();
        assert!(lazy.verifier.get().is_none(), "asking loaded the roots");
        let verifier = Verifier::new(provider).expect("the system's roots");
        assert_eq!(offered, verifier.supported_verify_schemes());
        assert!(!offered.is_empty());
    }
}
