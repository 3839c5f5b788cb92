//! Generation is deterministic, every filing parses, and the truth is exactly what the
//! offline judges report: `lint` on every filing and `inspect` on every homepage that the
//! engine will analyse.

use std::collections::BTreeSet;

use beian_checks::{PageSubject, Settings};
use beian_domain::{CheckId, Filing, Finding, Status, Target};
use beian_sandbox::{Behavior, Expected, ExpectedTarget, Fault, World, WorldConfig};

fn config(sites: usize, seed: u64) -> WorldConfig {
    WorldConfig {
        sites,
        seed,
        ..WorldConfig::default()
    }
}

fn reported(findings: &[Finding]) -> BTreeSet<(CheckId, Status, ExpectedTarget)> {
    findings
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Warn))
        .map(|f| {
            let target = match f.target {
                Target::Website { index, .. } => ExpectedTarget::Website { index },
                _ => ExpectedTarget::Entity,
            };
            (f.check, f.status, target)
        })
        .collect()
}

fn expected(
    list: &[Expected],
    keep: impl Fn(&Expected) -> bool,
) -> BTreeSet<(CheckId, Status, ExpectedTarget)> {
    list.iter()
        .filter(|e| keep(e))
        .map(|e| (e.check, e.status, e.target))
        .collect()
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let a = World::generate(&config(300, 7));
    let b = World::generate(&config(300, 7));
    assert_eq!(a.filings_jsonl(), b.filings_jsonl());
    assert_eq!(a.truth_jsonl(), b.truth_jsonl());
    for (x, y) in a.sites.iter().zip(&b.sites) {
        assert_eq!(x.page, y.page, "{}", x.key);
    }
    let c = World::generate(&config(300, 8));
    assert_ne!(a.filings_jsonl(), c.filings_jsonl());
    // A smaller world is a prefix of a larger one (sites do not shift).
    let small = World::generate(&config(100, 7));
    assert_eq!(small.sites.len(), 100);
    assert_eq!(small.sites[42].page, a.sites[42].page);
}

#[test]
fn every_filing_parses_and_the_shape_is_as_promised() {
    let world = World::generate(&config(2000, 11));
    assert_eq!(world.sites.len(), 2000);
    let lines: Vec<&str> = world
        .filings_jsonl()
        .lines()
        .map(str::to_owned)
        .collect::<Vec<_>>()
        .leak()
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(lines.len(), world.filings.len());
    for (line, generated) in lines.iter().zip(&world.filings) {
        let parsed = Filing::from_json(line).unwrap_or_else(|e| panic!("{}: {e}", generated.key));
        assert_eq!(parsed, generated.filing);
        for website in &parsed.websites {
            assert_eq!(website.domains.len(), 1);
        }
    }
    assert_eq!(world.truth_jsonl().lines().count(), world.filings.len());
    for site in &world.sites {
        if site.behavior == Behavior::Page || matches!(site.behavior, Behavior::HugeBody { .. }) {
            let len = site.page.len();
            assert!(
                (4_000..=60_000).contains(&len),
                "{} is {len} bytes",
                site.key
            );
        }
    }
    // Every fault of the tables shows up in a world this size.
    for (fault, count) in world.fault_counts() {
        let rare = matches!(
            fault,
            Fault::Trickle
                | Fault::HugeBody
                | Fault::RedirectLoop
                | Fault::BrokenTls
                | Fault::ClientHold
        );
        assert!(count > 0 || rare, "{fault:?} never injected");
    }
}

#[test]
fn lint_reports_exactly_the_filing_truth() {
    let world = World::generate(&config(3000, 5));
    let settings = Settings::default();
    // Checks judged on the filing alone (pre_approval and interactive_feature are judged
    // on the page too; the generator only ever breaks them there).
    let page_checks: BTreeSet<CheckId> = beian_checks::registry::PAGE_CHECKS
        .iter()
        .map(|c| c.id())
        .collect();
    let lint_checks: BTreeSet<CheckId> = beian_checks::registry::FILING_CHECKS
        .iter()
        .map(|c| c.id())
        .filter(|id| !page_checks.contains(id))
        .collect();
    for generated in &world.filings {
        let findings = beian_checks::lint(&generated.filing, world.config.check_date, &settings);
        let got = reported(&findings);
        let want = expected(&generated.expected, |e| lint_checks.contains(&e.check));
        assert_eq!(
            got,
            want,
            "{}: {:#?}",
            generated.key,
            findings
                .iter()
                .filter(|f| f.status != Status::Pass)
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn inspect_reports_exactly_the_page_truth() {
    let world = World::generate(&config(1200, 9));
    let settings = Settings::default();
    let page_checks: BTreeSet<CheckId> = beian_checks::registry::PAGE_CHECKS
        .iter()
        .map(|c| c.id())
        .collect();
    let mut analysed = 0;
    for site in &world.sites {
        // Pages the engine analyses: the domain resolves to a listening address and the
        // server answers 200 with the page.
        let served = site.resolves_to.is_some() && site.fault != Some(Fault::Refused);
        let page = match site.behavior {
            Behavior::Page if served => site.page.to_vec(),
            Behavior::HugeBody { footer_at } if served => {
                // What the fetcher keeps: the first 2 MiB.
                let mut bytes = site.page[..footer_at].to_vec();
                let filler = beian_sandbox::page::huge_filler();
                while bytes.len() < 2 * 1024 * 1024 {
                    bytes.extend_from_slice(&filler);
                }
                bytes.truncate(2 * 1024 * 1024);
                bytes
            }
            _ => continue,
        };
        analysed += 1;
        let generated = &world.filings[site.filing];
        let analysis = beian_page::analyze(&page, Some(site.content_type));
        let findings = beian_checks::inspect(
            &analysis,
            Some(PageSubject {
                filing: &generated.filing,
                index: site.index,
            }),
            &settings,
            "sandbox",
            "2026-11-29T12:00:00+08:00",
        );
        let got = reported(&findings);
        let want = expected(&generated.expected, |e| {
            page_checks.contains(&e.check)
                && e.target == ExpectedTarget::Website { index: site.index }
        });
        assert_eq!(
            got,
            want,
            "{} ({:?}): {:#?}",
            site.key,
            site.fault,
            findings
                .iter()
                .filter(|f| f.status != Status::Pass)
                .collect::<Vec<_>>()
        );
    }
    assert!(analysed > 1000, "{analysed}");
}

#[test]
fn black_holes_are_drawn_apart_and_expect_only_unreachable() {
    let plain = World::generate(&config(2000, 11));
    let holed = World::generate(&WorldConfig {
        black_hole_percent: 30,
        ..config(2000, 11)
    });
    let mut holes = 0;
    for (a, b) in plain.sites.iter().zip(&holed.sites) {
        assert_eq!(a.domain, b.domain);
        if b.fault == Some(Fault::BlackHole) {
            holes += 1;
            let octets = b.filed_ip.octets();
            assert_eq!((octets[0], octets[1], octets[2]), (127, 0, 8));
            assert_eq!(b.resolves_to, Some(b.filed_ip));
            let want = BTreeSet::from([(
                CheckId::SiteUnreachable,
                Status::Fail,
                ExpectedTarget::Website { index: b.index },
            )]);
            let got = expected(&holed.filings[b.filing].expected, |e| {
                e.target == ExpectedTarget::Website { index: b.index }
            });
            assert_eq!(got, want, "{}", b.key);
        } else {
            // Every other site is exactly as without black holes.
            assert_eq!(
                (a.fault, a.filed_ip, a.resolves_to),
                (b.fault, b.filed_ip, b.resolves_to)
            );
            assert_eq!(a.page, b.page);
        }
    }
    assert!((500..700).contains(&holes), "{holes}");
}

/// The registries are keyed by number (and a company with an invalid credit code by its
/// name): two people sharing an ID number or a mobile, or two companies sharing a credit
/// code or a name, would make a registry answer for the wrong holder. At 30,000 sites
/// random numbers did collide (a false `entity.principal_id_mismatch`), and at 100,000
/// names did (a false `entity.legal_rep_mismatch`).
#[test]
fn no_two_holders_share_a_number() {
    use std::collections::HashMap;
    let world = World::generate(&config(30_000, 11));
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut mobiles: HashMap<String, String> = HashMap::new();
    let mut codes: HashMap<String, String> = HashMap::new();
    let mut names = std::collections::HashSet::new();
    for generated in &world.filings {
        let filing = &generated.filing;
        let people = std::iter::once(&filing.entity.principal)
            .chain(filing.websites.iter().filter_map(|w| w.principal.as_ref()));
        for person in people {
            let holder = format!("{}/{}", person.name, person.id_number);
            let id_owner = ids
                .entry(person.id_number.clone())
                .or_insert_with(|| person.name.clone());
            assert_eq!(*id_owner, person.name, "ID {} shared", person.id_number);
            let mobile_owner = mobiles
                .entry(person.mobile.clone())
                .or_insert_with(|| holder.clone());
            assert_eq!(*mobile_owner, holder, "mobile {} shared", person.mobile);
        }
        if filing.entity.kind == beian_domain::filing::EntityKind::Company {
            assert!(
                names.insert(filing.entity.name.clone()),
                "{} twice",
                filing.entity.name
            );
        }
        if filing.entity.certificate_type == beian_domain::filing::CertificateType::CreditCode {
            let owner = codes
                .entry(filing.entity.certificate_number.clone())
                .or_insert_with(|| filing.entity.name.clone());
            assert_eq!(*owner, filing.entity.name, "credit code shared");
        }
    }
    assert!(
        ids.len() > 20_000 && codes.len() > 10_000,
        "{} {}",
        ids.len(),
        codes.len()
    );
}
