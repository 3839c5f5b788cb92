//! 沙箱 CA 与 HTTPS — a certificate authority made at start-up (written to `ca.pem`), and
//! a certificate per site signed on the first handshake that names it (SNI), cached.
//!
//! One leaf key serves every site; only the signature differs. A broken-TLS site gets
//! plain text instead of a ServerHello.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::crypto::ring::sign::any_supported_type;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::{CertifiedKey, SigningKey};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_rustls::LazyConfigAcceptor;

use crate::http::{HttpState, serve_connection};
use crate::world::{Behavior, World};

/// The sandbox's certificate authority and the per-site certificates it signs.
pub struct SandboxCa {
    /// The CA certificate, PEM.
    pub ca_pem: String,
    ca_der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
    leaf_key: KeyPair,
    leaf_signing: Arc<dyn SigningKey>,
    world: Arc<World>,
    cache: Mutex<HashMap<String, Arc<CertifiedKey>>>,
}

impl std::fmt::Debug for SandboxCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxCa").finish_non_exhaustive()
    }
}

impl SandboxCa {
    /// Makes a new CA for `world`.
    pub fn new(world: Arc<World>) -> Result<SandboxCa, String> {
        let err = |e: rcgen::Error| format!("sandbox CA: {e}");
        let ca_key = KeyPair::generate().map_err(err)?;
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "beian sandbox CA");
        params
            .distinguished_name
            .push(DnType::OrganizationName, "beian sandbox");
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = params.self_signed(&ca_key).map_err(err)?;
        let leaf_key = KeyPair::generate().map_err(err)?;
        let leaf_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        let leaf_signing = any_supported_type(&leaf_der).map_err(|e| format!("leaf key: {e}"))?;
        Ok(SandboxCa {
            ca_pem: ca_cert.pem(),
            ca_der: ca_cert.der().clone(),
            issuer: Issuer::new(params, ca_key),
            leaf_key,
            leaf_signing,
            world,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The certificate for the site of `host`, made on first use.
    fn certified(&self, host: &str) -> Option<Arc<CertifiedKey>> {
        let site = self.world.site_for_host(host)?;
        let domain = site.domain.clone();
        if let Ok(cache) = self.cache.lock()
            && let Some(found) = cache.get(&domain)
        {
            return Some(Arc::clone(found));
        }
        let mut params =
            CertificateParams::new(vec![domain.clone(), format!("www.{domain}")]).ok()?;
        params
            .distinguished_name
            .push(DnType::CommonName, domain.as_str());
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let cert = params.signed_by(&self.leaf_key, &self.issuer).ok()?;
        let key = Arc::new(CertifiedKey::new(
            vec![cert.der().clone(), self.ca_der.clone()],
            Arc::clone(&self.leaf_signing),
        ));
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(domain, Arc::clone(&key));
        }
        Some(key)
    }
}

/// rustls asks this for the certificate of each handshake.
#[derive(Debug)]
struct Resolver(Arc<SandboxCa>);

impl ResolvesServerCert for Resolver {
    fn resolve(&self, client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.0.certified(client_hello.server_name()?)
    }
}

/// The server configuration: TLS 1.2 and 1.3 on ring, HTTP/1.1.
pub fn server_config(ca: Arc<SandboxCa>) -> Result<Arc<rustls::ServerConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(Resolver(ca)));
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Serves one TLS connection: garbage for a broken-TLS site, else the handshake and HTTP.
pub async fn serve_tls(tcp: TcpStream, config: Arc<rustls::ServerConfig>, state: Arc<HttpState>) {
    let acceptor = LazyConfigAcceptor::new(rustls::server::Acceptor::default(), tcp);
    let Ok(Ok(start)) = tokio::time::timeout(std::time::Duration::from_secs(10), acceptor).await
    else {
        return;
    };
    let broken = start
        .client_hello()
        .server_name()
        .and_then(|name| state.world.site_for_host(name))
        .is_some_and(|site| site.behavior == Behavior::BrokenTls);
    let mut accept = start.into_stream(config);
    if broken {
        if let Some(io) = accept.get_mut() {
            let _ = io
                .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                .await;
            let _ = io.shutdown().await;
        }
        return;
    }
    let Ok(Ok(stream)) = tokio::time::timeout(std::time::Duration::from_secs(10), accept).await
    else {
        return;
    };
    serve_connection(stream, state).await;
}
