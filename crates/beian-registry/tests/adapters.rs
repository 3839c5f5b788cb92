//! Each HTTP adapter against the sandbox's registry servers on loopback: the answers the
//! world holds (through the sandbox's flaky first attempts), timeouts, 5xx, 429 with
//! `Retry-After`, garbage bodies, a wrong key, and the circuit breaker opening and closing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use beian_checks::registry_evidence::{
    Answer, BusinessQuery, BusinessStatus, IdentityVerdict, Outcome, PhoneQuery, PhoneVerdict,
    RegistryKind,
};
use beian_registry::resilience::BreakerState;
use beian_registry::{
    ApiKey, BusinessRegistry, EndpointConfig, HttpBusinessRegistry, HttpIdentityVerifier,
    HttpPhoneVerifier, HttpRealNameRegistrar, IdentityVerifier, PhoneVerifier, RealNameRegistrar,
};
use beian_sandbox::registry::LineState;
use beian_sandbox::registry_http::{Outage, Trouble, api_key, trouble_for};
use beian_sandbox::{Sandbox, ServeConfig, World, WorldConfig};
use url::Url;

async fn sandbox() -> Sandbox {
    let world = World::generate(&WorldConfig {
        sites: 40,
        seed: 7,
        showcase: true,
        ..WorldConfig::default()
    });
    Sandbox::start(world, &ServeConfig::default())
        .await
        .expect("sandbox starts")
}

/// A client config for `kind` on the sandbox: short timeouts and backoff, no cache.
fn config(sandbox: &Sandbox, kind: RegistryKind) -> EndpointConfig {
    let mut config = EndpointConfig::new(Url::parse(&sandbox.registries().url(kind)).expect("url"));
    config.api_key = Some(ApiKey::new(api_key(kind)));
    config.timeout = Duration::from_millis(800);
    config.retries = 3;
    config.backoff = Duration::from_millis(20);
    config.backoff_max = Duration::from_millis(100);
    config.cache_ttl = Duration::ZERO;
    config.rate_per_second = 0.0;
    config.breaker_failures = 3;
    config.breaker_cooldown = Duration::from_millis(500);
    config
}

/// `count` names of companies the business registry does not know, whose lookups by name
/// meet `trouble` at the sandbox (it picks the trouble by a hash of the question).
fn unknown_companies(trouble: Trouble, count: usize) -> Vec<String> {
    let kind = RegistryKind::BusinessRegistry;
    let names: Vec<String> = (0..10_000)
        .map(|i| format!("没有登记的测试公司{i}"))
        .filter(|name| {
            let body = serde_json::json!({ "name": name });
            trouble_for(&format!("{}:{body}", kind.name())) == trouble
        })
        .take(count)
        .collect();
    assert_eq!(names.len(), count, "enough names meeting {trouble:?}");
    names
}

fn reason<T: std::fmt::Debug>(answer: &Answer<T>) -> &str {
    match &answer.outcome {
        Outcome::Unavailable(reason) => reason,
        other => panic!("expected an outage, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_the_world_holds_comes_through_the_flaky_first_attempts() {
    let sandbox = sandbox().await;
    let world = Arc::clone(sandbox.world());
    let registry = &world.registry;

    let business = HttpBusinessRegistry::new(config(&sandbox, RegistryKind::BusinessRegistry))
        .expect("client");
    for entry in &registry.businesses {
        let answer = business
            .lookup(&BusinessQuery::CreditCode(entry.credit_code.clone()))
            .await;
        let Outcome::Found(record) = &answer.outcome else {
            panic!("{}: {answer:?}", entry.credit_code);
        };
        assert_eq!(record.name, entry.name);
        assert_eq!(record.status, BusinessStatus::parse(entry.status));
        assert_eq!(
            record.legal_representative.as_deref(),
            Some(entry.legal_representative.as_str())
        );
        for former in &entry.former_names {
            let by_name = business.lookup(&BusinessQuery::Name(former.clone())).await;
            assert!(
                matches!(by_name.outcome, Outcome::Found(ref r) if r.credit_code == entry.credit_code)
            );
        }
    }
    let missing = business
        .lookup(&BusinessQuery::CreditCode("91110000600037341L".into()))
        .await;
    assert_eq!(missing.outcome, Outcome::NotFound);

    let identity =
        HttpIdentityVerifier::new(config(&sandbox, RegistryKind::Identity)).expect("client");
    for generated in &world.filings {
        let person = &generated.filing.entity.principal;
        let answer = identity.verify(&person.name, &person.id_number).await;
        let expected = match registry.identities.get(&person.id_number) {
            None => IdentityVerdict::NotFound,
            Some(name) if *name == person.name => IdentityVerdict::Match,
            Some(_) => IdentityVerdict::Mismatch,
        };
        assert_eq!(
            answer.outcome,
            Outcome::Found(expected),
            "{}",
            generated.key
        );
    }

    let phone = HttpPhoneVerifier::new(config(&sandbox, RegistryKind::Phone)).expect("client");
    for (number, entry) in &registry.phones {
        let query = PhoneQuery {
            number: number.clone(),
            name: Some(entry.holder_name.clone()),
            id_number: Some(entry.holder_id.clone()),
        };
        let expected = match entry.state {
            LineState::Normal => PhoneVerdict::Normal,
            LineState::Suspended => PhoneVerdict::Suspended,
            LineState::Vacant => PhoneVerdict::Vacant,
        };
        assert_eq!(phone.verify(&query).await.outcome, Outcome::Found(expected));
        if entry.state == LineState::Normal {
            let other = PhoneQuery {
                name: Some("某某某".into()),
                ..query.clone()
            };
            assert_eq!(
                phone.verify(&other).await.outcome,
                Outcome::Found(PhoneVerdict::NotHolder)
            );
        }
    }

    let registrar =
        HttpRealNameRegistrar::new(config(&sandbox, RegistryKind::DomainRealName)).expect("client");
    for (domain, holder) in &registry.holders {
        let answer = registrar.holder(domain).await;
        let Outcome::Found(record) = &answer.outcome else {
            panic!("{domain}: {answer:?}");
        };
        assert_eq!(record.holder_name, holder.name);
        assert_eq!(record.verified, holder.verified);
    }
    assert_eq!(
        registrar.holder("nobody-here.cn").await.outcome,
        Outcome::NotFound
    );
    assert_eq!(business.breaker(), BreakerState::Closed(0));
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outages_are_answers_with_reasons_and_the_breaker_opens_and_closes() {
    let sandbox = sandbox().await;
    let world = Arc::clone(sandbox.world());
    let kind = RegistryKind::Identity;
    let person = world.filings[0].filing.entity.principal.clone();
    let servers = sandbox.registries();

    // 5xx: retried, then unavailable with the status.
    servers.set_outage(kind, Some(Outage::ServerError));
    let client = HttpIdentityVerifier::new(config(&sandbox, kind)).expect("client");
    let answer = client.verify(&person.name, &person.id_number).await;
    assert!(reason(&answer).contains("HTTP 500"), "{answer:?}");
    assert!(reason(&answer).contains("共尝试 4 次"), "{answer:?}");

    // Garbage bodies: not the agreed JSON.
    servers.set_outage(kind, Some(Outage::Garbage));
    let answer = client.verify(&person.name, &person.id_number).await;
    assert!(reason(&answer).contains("不是约定的 JSON"), "{answer:?}");

    // The third failure in a row opens the breaker: then refused at once, without a request.
    assert_eq!(client.breaker(), BreakerState::Closed(2));
    servers.set_outage(kind, Some(Outage::ServerError));
    let _ = client.verify(&person.name, &person.id_number).await;
    assert!(matches!(client.breaker(), BreakerState::Open(_)));
    let started = Instant::now();
    let answer = client.verify(&person.name, &person.id_number).await;
    assert!(reason(&answer).contains("熔断"), "{answer:?}");
    assert!(
        started.elapsed() < Duration::from_millis(50),
        "{:?}",
        started.elapsed()
    );

    // The registry recovers; after the cooldown one probe closes the breaker.
    servers.set_outage(kind, None);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let answer = client.verify(&person.name, &person.id_number).await;
    assert!(matches!(answer.outcome, Outcome::Found(_)), "{answer:?}");
    assert_eq!(client.breaker(), BreakerState::Closed(0));

    // Timeouts: every answer slower than the client waits.
    servers.set_outage(kind, Some(Outage::Slow));
    let mut slow = config(&sandbox, kind);
    slow.timeout = Duration::from_millis(200);
    slow.retries = 1;
    let client = HttpIdentityVerifier::new(slow).expect("client");
    let started = Instant::now();
    let answer = client.verify(&person.name, &person.id_number).await;
    assert!(reason(&answer).contains("超时"), "{answer:?}");
    assert!(
        started.elapsed() < Duration::from_millis(1200),
        "{:?}",
        started.elapsed()
    );

    // 429: Retry-After (1 s) is honoured, then unavailable; a registry asking for longer
    // than allowed is given up on at once.
    servers.set_outage(kind, Some(Outage::RateLimited));
    let mut limited = config(&sandbox, kind);
    limited.retries = 1;
    let client = HttpIdentityVerifier::new(limited.clone()).expect("client");
    let started = Instant::now();
    let answer = client.verify(&person.name, &person.id_number).await;
    assert!(reason(&answer).contains("429"), "{answer:?}");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    limited.retry_after_max = Duration::from_millis(100);
    let client = HttpIdentityVerifier::new(limited).expect("client");
    let started = Instant::now();
    let answer = client.verify(&person.name, &person.id_number).await;
    assert!(reason(&answer).contains("超过了允许的等待"), "{answer:?}");
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    servers.set_outage(kind, None);

    // A wrong key: refused, not retried, and the key is not in the reason.
    let mut wrong = config(&sandbox, kind);
    wrong.api_key = Some(ApiKey::new("not-the-key-123"));
    let client = HttpIdentityVerifier::new(wrong).expect("client");
    let answer = client.verify(&person.name, &person.id_number).await;
    assert!(reason(&answer).contains("HTTP 401"), "{answer:?}");
    assert!(
        !reason(&answer).contains("共尝试"),
        "not retried: {answer:?}"
    );
    assert!(!format!("{answer:?} {client:?}").contains("not-the-key-123"));

    // Nothing listening: a connection failure is an outage too.
    let mut closed = EndpointConfig::new(Url::parse("http://127.0.0.1:9/").expect("url"));
    closed.retries = 0;
    let client = HttpPhoneVerifier::new(closed).expect("client");
    let answer = client
        .verify(&PhoneQuery {
            number: "13911112222".into(),
            name: None,
            id_number: None,
        })
        .await;
    assert!(reason(&answer).contains("连接失败"), "{answer:?}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_are_cached_for_their_ttl() {
    let sandbox = sandbox().await;
    let world = Arc::clone(sandbox.world());
    let kind = RegistryKind::BusinessRegistry;
    let code = world.registry.businesses[0].credit_code.clone();
    let mut cached = config(&sandbox, kind);
    cached.cache_ttl = Duration::from_secs(60);
    let client = HttpBusinessRegistry::new(cached).expect("client");
    let query = BusinessQuery::CreditCode(code);
    assert!(matches!(
        client.lookup(&query).await.outcome,
        Outcome::Found(_)
    ));
    // The registry goes down: the cached answer still comes, an uncached one does not.
    sandbox
        .registries()
        .set_outage(kind, Some(Outage::ServerError));
    assert!(matches!(
        client.lookup(&query).await.outcome,
        Outcome::Found(_)
    ));
    let other = BusinessQuery::Name("没有缓存的公司".into());
    assert!(matches!(
        client.lookup(&other).await.outcome,
        Outcome::Unavailable(_)
    ));
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_more_requests_are_on_the_wire_at_once_than_the_cap() {
    let sandbox = sandbox().await;
    let kind = RegistryKind::BusinessRegistry;
    // Companies the registry does not know, each of whose answers the sandbox holds back
    // 150 ms, so that requests sent together overlap at the server.
    let names = unknown_companies(Trouble::Slow, 24);
    let mut capped = config(&sandbox, kind);
    capped.max_in_flight = 3;
    let client = Arc::new(HttpBusinessRegistry::new(capped).expect("client"));
    let mut asks = tokio::task::JoinSet::new();
    for name in names {
        let client = Arc::clone(&client);
        asks.spawn(async move { client.lookup(&BusinessQuery::Name(name)).await.outcome });
    }
    while let Some(outcome) = asks.join_next().await {
        let outcome = outcome.expect("task");
        assert!(matches!(outcome, Outcome::NotFound), "{outcome:?}");
    }
    let peak = sandbox.registries().peak_in_flight(kind);
    assert!(
        (1..=3).contains(&peak),
        "the server saw {peak} requests at once"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_waiting_for_a_place_on_the_wire_still_keep_the_rate() {
    let sandbox = sandbox().await;
    let kind = RegistryKind::BusinessRegistry;
    // One question whose first attempt outlasts the timeout holds the only place on the
    // wire for 800 ms; five quick ones wait behind it.
    let slow = unknown_companies(Trouble::SlowFirst, 1);
    let quick = unknown_companies(Trouble::None, 5);
    let mut limited = config(&sandbox, kind);
    limited.max_in_flight = 1;
    limited.rate_per_second = 10.0;
    limited.burst = 1;
    let client = Arc::new(HttpBusinessRegistry::new(limited).expect("client"));
    let start = Instant::now();
    let mut asks = tokio::task::JoinSet::new();
    for (k, name) in slow.into_iter().chain(quick).enumerate() {
        let client = Arc::clone(&client);
        asks.spawn(async move {
            let outcome = client.lookup(&BusinessQuery::Name(name)).await.outcome;
            (k, outcome, start.elapsed())
        });
        if k == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let mut quick_done = Vec::new();
    while let Some(joined) = asks.join_next().await {
        let (k, outcome, at) = joined.expect("task");
        assert!(matches!(outcome, Outcome::NotFound), "{outcome:?}");
        if k > 0 {
            quick_done.push(at);
        }
    }
    quick_done.sort();
    // 10 a second: one every 100 ms, also for those whose turn came while they waited.
    for pair in quick_done.windows(2) {
        let gap = pair[1].saturating_sub(pair[0]);
        assert!(
            gap >= Duration::from_millis(30),
            "two answers {gap:?} apart at 10 requests a second: {quick_done:?}"
        );
    }
    sandbox.shutdown().await;
}
