//! The entity checks against the sandbox's four registries: the engine, configured with
//! the `beian.toml` the sandbox writes, reports exactly the truth including the findings
//! only the registries reveal, although the registries answer some first attempts with
//! 503, 429, garbage and slow replies.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use beian_checks::live::{Cidr, ProviderNetwork};
use beian_checks::registry_evidence::RegistryKind;
use beian_domain::{CheckId, Status, Target};
use beian_engine::{Engine, EngineConfig};
use beian_probe::{AddressPolicy, DnsConfig, RegistrationConfig, ServerAddr};
use beian_registry::RegistryConfig;
use beian_sandbox::registry::REGISTRY_FAULTS;
use beian_sandbox::{ExpectedTarget, PROVIDER_RANGE, Sandbox, ServeConfig, World, WorldConfig};

type Key = (CheckId, Status, ExpectedTarget);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_entity_checks_find_exactly_the_registry_truth() {
    let world = World::generate(&WorldConfig {
        sites: 40,
        seed: 2026,
        showcase: true,
        ..WorldConfig::default()
    });
    for (fault, _) in REGISTRY_FAULTS {
        assert!(
            world
                .filings
                .iter()
                .any(|f| f.registry_fault == Some(*fault)),
            "{fault:?} is not in the showcase"
        );
    }
    let sandbox = Sandbox::start(world, &ServeConfig::default())
        .await
        .expect("sandbox starts");
    let world = Arc::clone(sandbox.world());
    let registries = RegistryConfig::parse(&sandbox.registries().config_toml(), "beian.toml")
        .expect("the sandbox's beian.toml reads")
        .build()
        .expect("adapters");
    assert_eq!(registries.configured(), RegistryKind::ALL);
    let config = EngineConfig {
        dns: DnsConfig {
            servers: vec![sandbox.dns_addr()],
            ..DnsConfig::default()
        },
        policy: AddressPolicy::allow_private(),
        connect_timeout: Duration::from_secs(2),
        fetch_deadline: Duration::from_secs(3),
        http_port: sandbox.http_port(),
        https_port: sandbox.https_port(),
        provider: ProviderNetwork {
            ranges: vec![Cidr::parse(PROVIDER_RANGE).expect("range")],
            cdn_suffixes: Vec::new(),
        },
        extra_root_certs_pem: vec![sandbox.ca_pem().as_bytes().to_vec()],
        registration: Some(RegistrationConfig {
            whois_server: Some(ServerAddr {
                host: "127.0.0.1".into(),
                port: sandbox.whois_addr().port(),
            }),
            min_interval: Duration::ZERO,
            ..RegistrationConfig::default()
        }),
        registries,
        ..EngineConfig::default()
    };
    let engine = Engine::new(config).expect("engine");
    assert!(
        engine.skipped_checks().is_empty(),
        "{:?}",
        engine.skipped_checks()
    );
    let check_date = world.config.check_date;
    let mut tasks = tokio::task::JoinSet::new();
    for (i, generated) in world.filings.iter().enumerate() {
        let engine = engine.clone();
        let filing = generated.filing.clone();
        tasks.spawn(async move { (i, engine.check(&filing, check_date).await) });
    }
    let mut mismatches = Vec::new();
    let mut entity_found = 0;
    let mut seed_checks: BTreeSet<CheckId> = BTreeSet::new();
    while let Some(joined) = tasks.join_next().await {
        let (i, report) = joined.expect("check task");
        let generated = &world.filings[i];
        let got: BTreeSet<Key> = report
            .findings
            .iter()
            .filter(|f| matches!(f.status, Status::Fail | Status::Warn))
            .map(|f| {
                let target = match f.target {
                    Target::Website { index, .. } => ExpectedTarget::Website { index },
                    _ => ExpectedTarget::Entity,
                };
                (f.check, f.status, target)
            })
            .collect();
        let want: BTreeSet<Key> = generated
            .expected
            .iter()
            .chain(generated.registry_expected.iter().map(|r| &r.expected))
            .map(|e| (e.check, e.status, e.target))
            .collect();
        entity_found += generated.registry_expected.len();
        seed_checks.extend(report.findings.iter().map(|f| f.check));
        // An outage the retries recover from leaves nothing inconclusive.
        let inconclusive: Vec<String> = report
            .findings
            .iter()
            .filter(|f| {
                f.status == Status::Inconclusive
                    && f.check
                        .def()
                        .sources
                        .contains(&beian_domain::EvidenceSource::Registry)
            })
            .filter(|f| f.message.contains("暂时无法核验"))
            .map(|f| format!("{} {}", f.check, f.message))
            .collect();
        if got != want || !inconclusive.is_empty() {
            mismatches.push(format!(
                "{} registry fault {:?} filing fault {:?}\n  missing {:?}\n  extra {:?}\n  outages {inconclusive:?}",
                generated.key,
                generated.registry_fault,
                generated.fault,
                want.difference(&got).collect::<Vec<_>>(),
                got.difference(&want).collect::<Vec<_>>(),
            ));
        }
    }
    sandbox.shutdown().await;
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
    assert!(entity_found >= REGISTRY_FAULTS.len(), "{entity_found}");
    for id in CheckId::ALL.iter().filter(|id| id.def().from_seed) {
        assert!(seed_checks.contains(id), "{id} never reported");
    }
}
