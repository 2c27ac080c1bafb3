//! The control plane's PKI: a CA, the apiserver's serving certificate, the
//! service-account signing key and the static admin token.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

use crate::Error;

/// Files written into the env folder.
pub(crate) struct Pki {
    pub ca_cert: PathBuf,
    pub ca_pem: String,
    pub serving_cert: PathBuf,
    pub serving_key: PathBuf,
    pub sa_private_key: PathBuf,
    pub sa_public_key: PathBuf,
    pub token_file: PathBuf,
    pub admin_token: String,
    /// Token of `cira-audited`, an admin whose requests the audit log records.
    pub audited_token: String,
}

/// Names the serving certificate is valid for: loopback, and the in-cluster
/// service names a client might use.
const SERVING_NAMES: [&str; 7] = [
    "127.0.0.1",
    "localhost",
    "10.0.0.1",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
];

/// The user whose requests (and only those) the apiserver's audit log
/// records, so a test can count what one client asked for.
pub(crate) const AUDITED_USER: &str = "cira-audited";

pub(crate) fn generate(dir: &Path) -> Result<Pki, Error> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "cira-tests-ca");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;

    let mut serving_params = CertificateParams::new(
        SERVING_NAMES
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
    )?;
    serving_params
        .distinguished_name
        .push(DnType::CommonName, "kube-apiserver");
    serving_params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    serving_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let serving_key = KeyPair::generate()?;
    let serving = serving_params.signed_by(&serving_key, &ca)?;

    let sa_key = KeyPair::generate()?;
    let admin_token = random_token();
    let audited_token = random_token();
    // Static token file: token,user,uid,"groups". system:masters bypasses RBAC.
    let tokens = format!(
        "{admin_token},cira-admin,cira-admin,\"system:masters\"\n\
         {audited_token},{AUDITED_USER},{AUDITED_USER},\"system:masters\"\n"
    );

    let pki = Pki {
        ca_cert: dir.join("ca.crt"),
        ca_pem: ca.pem(),
        serving_cert: dir.join("apiserver.crt"),
        serving_key: dir.join("apiserver.key"),
        sa_private_key: dir.join("sa.key"),
        sa_public_key: dir.join("sa.pub"),
        token_file: dir.join("tokens.csv"),
        admin_token,
        audited_token,
    };
    write(&pki.ca_cert, &pki.ca_pem)?;
    write(&pki.serving_cert, &format!("{}{}", serving.pem(), ca.pem()))?;
    write(&pki.serving_key, &serving_key.serialize_pem())?;
    write(&pki.sa_private_key, &sa_key.serialize_pem())?;
    write(&pki.sa_public_key, &sa_key.public_key_pem())?;
    write(&pki.token_file, &tokens)?;
    Ok(pki)
}

fn write(path: &Path, contents: &str) -> Result<(), Error> {
    std::fs::write(path, contents).map_err(Error::io(format!("could not write {}", path.display())))
}

/// A hard-to-guess token. The control plane only listens on loopback for the
/// length of a test run, so the OS's random source via std's hasher seeds is
/// plenty.
pub(crate) fn random_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    (0..4)
        .map(|_| {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or_default(),
            );
            format!("{:016x}", h.finish())
        })
        .collect()
}
