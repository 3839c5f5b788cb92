//! The whole loop on loopback: the sandbox serves a world with every fault, the engine
//! checks every filing over DNS, HTTP, HTTPS and WHOIS, and what it reports as failing or
//! warning is exactly the truth, no more and no less; and again with black-holed hosts and
//! `.com` registrations over RDAP.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use beian_checks::live::{Cidr, ProviderNetwork};
use beian_domain::{CheckId, Status, Target};
use beian_engine::{Engine, EngineConfig};
use beian_probe::{AddressPolicy, DnsConfig, RegistrationConfig, ServerAddr};
use url::Url;

use beian_sandbox::{
    ExpectedTarget, Fault, PROVIDER_RANGE, SITE_FAULTS, Sandbox, ServeConfig, World, WorldConfig,
};

type Key = (CheckId, Status, ExpectedTarget);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_reports_exactly_the_truth() {
    let world = World::generate(&WorldConfig {
        sites: 40,
        seed: 2026,
        showcase: true,
        ..WorldConfig::default()
    });
    let sandbox = Sandbox::start(world, &ServeConfig::default())
        .await
        .expect("sandbox starts");
    let world = Arc::clone(sandbox.world());
    for (fault, _) in SITE_FAULTS {
        assert!(
            world.sites.iter().any(|s| s.fault == Some(*fault)),
            "{fault:?} is not in the showcase"
        );
    }

    let (elapsed, fails, mismatches) =
        check_against_truth(&sandbox, Duration::from_secs(2), whois_only(&sandbox)).await;
    sandbox.shutdown().await;
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
    assert!(fails > 20, "{fails}");
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
    // Every fault shows in the truth the test compared.
    let faults: BTreeSet<Fault> = world.sites.iter().filter_map(|s| s.fault).collect();
    assert!(faults.len() >= SITE_FAULTS.len(), "{faults:?}");
}

/// Checks every filing of the sandbox's world with the engine and returns the elapsed
/// time, the number of failing findings and a description of every filing whose fail and
/// warn findings differ from the truth.
async fn check_against_truth(
    sandbox: &Sandbox,
    connect_timeout: Duration,
    registration: RegistrationConfig,
) -> (Duration, usize, Vec<String>) {
    let world = Arc::clone(sandbox.world());
    let check_date = world.config.check_date;
    let config = EngineConfig {
        dns: DnsConfig {
            servers: vec![sandbox.dns_addr()],
            ..DnsConfig::default()
        },
        policy: AddressPolicy::allow_private(),
        connect_timeout,
        // The trickling site is cut off here.
        fetch_deadline: Duration::from_secs(3),
        http_port: sandbox.http_port(),
        https_port: sandbox.https_port(),
        provider: ProviderNetwork {
            ranges: vec![Cidr::parse(PROVIDER_RANGE).expect("range")],
            cdn_suffixes: Vec::new(),
        },
        extra_root_certs_pem: vec![sandbox.ca_pem().as_bytes().to_vec()],
        registration: Some(registration),
        ..EngineConfig::default()
    };
    let engine = Engine::new(config).expect("engine");
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, generated) in world.filings.iter().enumerate() {
        let engine = engine.clone();
        let filing = generated.filing.clone();
        tasks.spawn(async move { (i, engine.check(&filing, check_date).await) });
    }
    let mut reports = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        reports.push(joined.expect("check task"));
    }
    reports.sort_by_key(|(i, _)| *i);
    let elapsed = started.elapsed();

    let mut mismatches = Vec::new();
    let mut fails = 0;
    for (i, report) in &reports {
        let generated = &world.filings[*i];
        let skipped: BTreeSet<CheckId> = report.skipped.iter().map(|(id, _)| *id).collect();
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
            .filter(|e| !skipped.contains(&e.check))
            .map(|e| (e.check, e.status, e.target))
            .collect();
        fails += got.iter().filter(|k| k.1 == Status::Fail).count();
        if got != want {
            let details: Vec<String> = report
                .findings
                .iter()
                .filter(|f| f.status != Status::Pass)
                .map(|f| format!("  {} {:?} {:?}: {}", f.check, f.status, f.target, f.message))
                .collect();
            mismatches.push(format!(
                "{} sites {:?} faults {:?}\n  missing {:?}\n  extra {:?}\n{}",
                generated.key,
                generated
                    .sites
                    .iter()
                    .map(|&s| &world.sites[s].domain)
                    .collect::<Vec<_>>(),
                generated
                    .sites
                    .iter()
                    .map(|&s| world.sites[s].fault)
                    .collect::<Vec<_>>(),
                want.difference(&got).collect::<Vec<_>>(),
                got.difference(&want).collect::<Vec<_>>(),
                details.join("\n")
            ));
        }
        assert!(
            !skipped.contains(&CheckId::SiteDomainExpired),
            "WHOIS is configured, so site.domain_expired runs"
        );
    }
    (elapsed, fails, mismatches)
}

/// The sandbox's WHOIS server for every domain, no pause between queries.
fn whois_only(sandbox: &Sandbox) -> RegistrationConfig {
    RegistrationConfig {
        whois_server: Some(ServerAddr {
            host: "127.0.0.1".into(),
            port: sandbox.whois_addr().port(),
        }),
        min_interval: Duration::ZERO,
        ..RegistrationConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn black_holes_and_rdap_give_exactly_the_truth() {
    let world = World::generate(&WorldConfig {
        sites: 40,
        seed: 15,
        showcase: true,
        black_hole_percent: 20,
        ..WorldConfig::default()
    });
    let com = |fault: Fault| {
        world
            .sites
            .iter()
            .any(|s| s.fault == Some(fault) && s.domain.ends_with(".com"))
    };
    // The registration faults come over RDAP here, and black holes are there.
    assert!(com(Fault::DomainExpired) && com(Fault::ClientHold));
    let holes = world
        .sites
        .iter()
        .filter(|s| s.fault == Some(Fault::BlackHole))
        .count();
    assert!(holes >= 3, "{holes}");
    let sandbox = Sandbox::start(world, &ServeConfig::default())
        .await
        .expect("sandbox starts");
    let rdap_url = Url::parse(&sandbox.rdap_url()).expect("rdap url");
    let registration = RegistrationConfig {
        rdap_url: Some(rdap_url),
        ..whois_only(&sandbox)
    };
    let (elapsed, fails, mismatches) =
        check_against_truth(&sandbox, Duration::from_millis(500), registration).await;
    sandbox.shutdown().await;
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
    assert!(fails > 20, "{fails}");
    // Black holes cost their connect timeout, not more.
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
}
