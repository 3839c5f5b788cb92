//! 外部核验数据 — what the sandbox's four registries hold, generated with the world.
//!
//! The business registry, identity registry, carrier and registrar agree with the filings
//! except where a registry fault ([`REGISTRY_FAULTS`]) says otherwise: a company
//! deregistered, renamed, moved, out of its licence term or with a new legal
//! representative; a principal whose ID number carries another name or none; a mobile that
//! is 空号, 停机 or someone else's; a domain held by someone else or not verified. Each
//! fault records the finding it must cause and the registry that reveals it
//! ([`RegistryExpected`]). Faults are drawn from a random stream of their own, after the
//! rest of the world, and only on filings without a filing fault, so that every other
//! byte of the world stays as it was and each filing's expected findings stay exact.
//!
//! Some data is unusual without being a fault: a company's domains may be held by its
//! legal representative (allowed), companies may have former names and pre-2015 numbers.

use std::collections::HashMap;

use beian_checks::registry_evidence::RegistryKind;
use beian_domain::filing::{EntityKind, ValidUntil};
use beian_domain::ident::phone::MobileNumber;
use beian_domain::{CheckId, Person, Status};
use chrono::{Days, NaiveDate};

use crate::ident::{self, CITIES};
use crate::names::{self, BRANDS};
use crate::rng::Rng;
use crate::world::{
    FILING_FAULTS, Fault, GeneratedFiling, Site, WorldConfig, entity_expectation, pick_fault,
};

/// Registry faults with their rates in ‰ of filings (drawn only where they apply).
pub const REGISTRY_FAULTS: &[(Fault, u64)] = &[
    (Fault::BusinessDeregistered, 10),
    (Fault::BusinessRevoked, 10),
    (Fault::BusinessCancelled, 5),
    (Fault::EntityRenamed, 10),
    (Fault::AddressMoved, 10),
    (Fault::LicenceExpired, 8),
    (Fault::LegalRepChanged, 15),
    (Fault::IdentityMismatch, 10),
    (Fault::IdentityNotFound, 5),
    (Fault::PhoneVacant, 10),
    (Fault::PhoneSuspended, 10),
    (Fault::PhoneNotHolder, 10),
    (Fault::EmergencyVacant, 8),
    (Fault::HolderOther, 15),
    (Fault::HolderIdDiffers, 10),
    (Fault::HolderUnverified, 8),
];

/// Of the companies, this many ‰ let their legal representative hold their domains.
pub const HELD_BY_LEGAL_REP: u64 = 200;

const STREAM_REGISTRY: u64 = 4;

/// An expected finding that only an outside registry reveals.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegistryExpected {
    /// The finding.
    pub expected: crate::world::Expected,
    /// The registry without which it cannot be found.
    pub needs: RegistryKind,
}

/// One business in the business registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessEntry {
    /// 企业名称.
    pub name: String,
    /// 统一社会信用代码.
    pub credit_code: String,
    /// 登记状态.
    pub status: &'static str,
    /// 法定代表人.
    pub legal_representative: String,
    /// 住所.
    pub address: String,
    /// 成立日期.
    pub valid_from: NaiveDate,
    /// 营业期限至.
    pub valid_until: ValidUntil,
    /// 曾用名.
    pub former_names: Vec<String>,
    /// 三证合一前的号码.
    pub former_numbers: Vec<String>,
}

/// How a number stands with its carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineState {
    /// In service.
    Normal,
    /// 停机.
    Suspended,
    /// 空号 (also every number the carrier does not know).
    Vacant,
}

/// One mobile number at its carrier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneEntry {
    /// The subscriber's name.
    pub holder_name: String,
    /// The subscriber's ID number.
    pub holder_id: String,
    /// Its state.
    pub state: LineState,
}

/// One domain at its registrar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolderEntry {
    /// 持有者.
    pub name: String,
    /// 持有者证件类型 (the contract's code).
    pub id_type: &'static str,
    /// 持有者证件号码.
    pub id_number: String,
    /// 实名认证.
    pub verified: bool,
}

/// What the four registries hold.
#[derive(Debug, Clone, Default)]
pub struct RegistryWorld {
    /// Businesses, in filing order.
    pub businesses: Vec<BusinessEntry>,
    /// Credit code, former number, name or former name → business.
    pub business_index: HashMap<String, usize>,
    /// Resident ID number → the name it is registered to.
    pub identities: HashMap<String, String>,
    /// Mobile number → subscriber.
    pub phones: HashMap<String, PhoneEntry>,
    /// Registrable domain → holder.
    pub holders: HashMap<String, HolderEntry>,
}

impl RegistryWorld {
    /// The business under a credit code (or a number it replaced).
    pub fn business_by_code(&self, code: &str) -> Option<&BusinessEntry> {
        let key = format!("code:{}", code.trim().to_ascii_uppercase());
        self.business_index
            .get(&key)
            .and_then(|&i| self.businesses.get(i))
    }

    /// The business under a current or former name.
    pub fn business_by_name(&self, name: &str) -> Option<&BusinessEntry> {
        let key = format!("name:{}", name.trim());
        self.business_index
            .get(&key)
            .and_then(|&i| self.businesses.get(i))
    }

    /// Adds a business. Generated names can repeat (a city, a brand and an industry make
    /// a name); a real registry's names are unique, so a name is kept by its first holder,
    /// or by `by_name`, a business that is looked up by its name (a filed credit code that
    /// is not valid).
    fn add_business(&mut self, entry: BusinessEntry, by_name: bool) {
        let i = self.businesses.len();
        self.business_index
            .insert(format!("code:{}", entry.credit_code), i);
        let name = format!("name:{}", entry.name);
        if by_name {
            self.business_index.insert(name, i);
        } else {
            self.business_index.entry(name).or_insert(i);
        }
        for name in &entry.former_names {
            self.business_index
                .entry(format!("name:{name}"))
                .or_insert(i);
        }
        for number in &entry.former_numbers {
            self.business_index
                .entry(format!("code:{number}"))
                .or_insert(i);
        }
        self.businesses.push(entry);
    }
}

/// Whether `fault` can be shown on `filing`.
fn applies(fault: Fault, filing: &GeneratedFiling) -> bool {
    let entity = &filing.filing.entity;
    let company = entity.kind != EntityKind::Personal;
    match fault {
        Fault::BusinessDeregistered
        | Fault::BusinessRevoked
        | Fault::BusinessCancelled
        | Fault::EntityRenamed
        | Fault::AddressMoved
        | Fault::LicenceExpired
        | Fault::LegalRepChanged => company,
        Fault::HolderIdDiffers => !company,
        Fault::EmergencyVacant => entity
            .principal
            .emergency_phone
            .as_deref()
            .is_some_and(|p| MobileNumber::parse(p).is_ok()),
        _ => true,
    }
}

/// Someone else's name: another surname, so it never equals `name`.
fn other_name(rng: &mut Rng, name: &str) -> String {
    loop {
        let candidate = format!(
            "{}{}",
            rng.pick(names::SURNAMES),
            rng.pick(names::GIVEN_NAMES)
        );
        if candidate != name && !name.starts_with(&candidate[..candidate.len().min(3)]) {
            return candidate;
        }
    }
}

/// Someone else's resident ID number.
fn other_id(rng: &mut Rng, id: &str) -> String {
    loop {
        let city = rng.pick(CITIES);
        let birth = ident::birth_date(rng);
        let candidate = ident::resident_id(rng, city, birth);
        if candidate != id {
            return candidate;
        }
    }
}

/// The registry faults, one per eligible filing, and what the registries hold.
pub(crate) fn generate(
    config: &WorldConfig,
    filings: &mut [GeneratedFiling],
    sites: &[Site],
) -> RegistryWorld {
    // Showcase: every registry fault once, on the first filings it applies to.
    let mut forced: HashMap<usize, Fault> = HashMap::new();
    if config.showcase {
        for (fault, _) in REGISTRY_FAULTS {
            if let Some((i, _)) = filings.iter().enumerate().find(|(i, f)| {
                f.fault.is_none()
                    && *i >= FILING_FAULTS.len()
                    && !forced.contains_key(i)
                    && applies(*fault, f)
            }) {
                forced.insert(i, *fault);
            }
        }
    }
    let mut world = RegistryWorld::default();
    for (number, generated) in filings.iter_mut().enumerate() {
        let mut rng = Rng::derive(config.seed, STREAM_REGISTRY, number as u64);
        let drawn = pick_fault(&mut rng, REGISTRY_FAULTS);
        let fault = if config.showcase {
            forced.get(&number).copied()
        } else {
            drawn.filter(|f| generated.fault.is_none() && applies(*f, generated))
        };
        generated.registry_fault = fault;
        let mut expected = Vec::new();
        let mut expect = |check: CheckId, status: Status, needs: RegistryKind| {
            expected.push(RegistryExpected {
                expected: crate::world::Expected {
                    status,
                    ..entity_expectation(check)
                },
                needs,
            });
        };
        let fail = Status::Fail;
        let entity = &generated.filing.entity;
        let company = entity.kind != EntityKind::Personal;

        if company {
            // The credit code as registered: a broken check character filed is the
            // registry's code with the right one.
            let filed = entity.certificate_number.clone();
            let credit_code = if filed.len() == 18 {
                let first17 = &filed[..17];
                format!("{first17}{}", ident::credit_check_character(first17))
            } else {
                filed.clone()
            };
            if generated.fault == Some(Fault::BadCreditCode) {
                expect(
                    CheckId::EntityCertificateMismatch,
                    fail,
                    RegistryKind::BusinessRegistry,
                );
            }
            let mut entry = BusinessEntry {
                name: entity.name.clone(),
                credit_code,
                status: if rng.chance(500) { "存续" } else { "在业" },
                legal_representative: entity.legal_representative.clone().unwrap_or_default(),
                address: entity.address.clone().unwrap_or_default(),
                valid_from: NaiveDate::from_ymd_opt(2000 + rng.below(20) as i32, 1, 1)
                    .unwrap_or(NaiveDate::MIN)
                    + Days::new(rng.below(365)),
                valid_until: ValidUntil::Indefinite,
                former_names: Vec::new(),
                former_numbers: vec![format!(
                    "{}{}",
                    &entity.certificate_number[..6.min(entity.certificate_number.len())],
                    rng.digits(9)
                )],
            };
            if rng.chance(100) {
                let (brand, _) = *rng.pick(BRANDS);
                let former = format!("{brand}网络服务部");
                if former != entity.name {
                    entry.former_names.push(former);
                }
            }
            match fault {
                Some(Fault::BusinessDeregistered) => {
                    entry.status = "注销";
                    expect(
                        CheckId::EntityBusinessStatus,
                        fail,
                        RegistryKind::BusinessRegistry,
                    );
                }
                Some(Fault::BusinessRevoked) => {
                    entry.status = "吊销未注销";
                    expect(
                        CheckId::EntityBusinessStatus,
                        fail,
                        RegistryKind::BusinessRegistry,
                    );
                }
                Some(Fault::BusinessCancelled) => {
                    entry.status = "撤销";
                    expect(
                        CheckId::EntityBusinessStatus,
                        fail,
                        RegistryKind::BusinessRegistry,
                    );
                }
                Some(Fault::EntityRenamed) => {
                    let city = rng.pick(CITIES);
                    let (brand, _) = *rng.pick(BRANDS);
                    let mut renamed = format!("{}{brand}控股集团有限公司", city.name);
                    if renamed == entry.name {
                        renamed = format!("{}{brand}实业有限公司", city.name);
                    }
                    entry
                        .former_names
                        .push(std::mem::replace(&mut entry.name, renamed));
                    expect(
                        CheckId::EntityCertificateMismatch,
                        fail,
                        RegistryKind::BusinessRegistry,
                    );
                }
                Some(Fault::AddressMoved) => {
                    entry.address = format!("{}（迁址）{}号", entry.address, rng.range(400, 999));
                    expect(
                        CheckId::EntityCertificateMismatch,
                        fail,
                        RegistryKind::BusinessRegistry,
                    );
                }
                Some(Fault::LicenceExpired) => {
                    entry.valid_until =
                        ValidUntil::Date(config.check_date - Days::new(rng.range(1, 700)));
                    expect(
                        CheckId::EntityCertificateMismatch,
                        fail,
                        RegistryKind::BusinessRegistry,
                    );
                }
                Some(Fault::LegalRepChanged) => {
                    entry.legal_representative = other_name(&mut rng, &entry.legal_representative);
                    expect(
                        CheckId::EntityLegalRepMismatch,
                        fail,
                        RegistryKind::BusinessRegistry,
                    );
                }
                _ => {}
            }
            world.add_business(entry, generated.fault == Some(Fault::BadCreditCode));
        }

        // People: the identity registry and the carriers.
        let mut people: Vec<(bool, &Person)> = vec![(true, &entity.principal)];
        people.extend(
            generated
                .filing
                .websites
                .iter()
                .filter_map(|w| w.principal.as_ref())
                .map(|p| (false, p)),
        );
        for (is_entity_principal, person) in people {
            let fault = if is_entity_principal { fault } else { None };
            match fault {
                Some(Fault::IdentityMismatch) => {
                    let renamed = other_name(&mut rng, &person.name);
                    world.identities.insert(person.id_number.clone(), renamed);
                    expect(
                        CheckId::EntityPrincipalIdMismatch,
                        fail,
                        RegistryKind::Identity,
                    );
                }
                Some(Fault::IdentityNotFound) => {
                    expect(
                        CheckId::EntityPrincipalIdMismatch,
                        fail,
                        RegistryKind::Identity,
                    );
                }
                _ => {
                    world
                        .identities
                        .insert(person.id_number.clone(), person.name.clone());
                }
            }
            let mut mobile = PhoneEntry {
                holder_name: person.name.clone(),
                holder_id: person.id_number.clone(),
                state: LineState::Normal,
            };
            match fault {
                Some(Fault::PhoneVacant) => mobile.state = LineState::Vacant,
                Some(Fault::PhoneSuspended) => mobile.state = LineState::Suspended,
                Some(Fault::PhoneNotHolder) => {
                    mobile.holder_name = other_name(&mut rng, &person.name);
                    mobile.holder_id = other_id(&mut rng, &person.id_number);
                }
                _ => {}
            }
            if matches!(
                fault,
                Some(Fault::PhoneVacant | Fault::PhoneSuspended | Fault::PhoneNotHolder)
            ) {
                expect(CheckId::EntityContactInvalid, fail, RegistryKind::Phone);
            }
            if let Ok(number) = MobileNumber::parse(&person.mobile) {
                world.phones.insert(number.as_str().to_owned(), mobile);
            }
            if let Some(Ok(emergency)) = person.emergency_phone.as_deref().map(MobileNumber::parse)
            {
                let state = if fault == Some(Fault::EmergencyVacant) {
                    expect(CheckId::EntityContactInvalid, fail, RegistryKind::Phone);
                    LineState::Vacant
                } else {
                    LineState::Normal
                };
                let holder_name = other_name(&mut rng, &person.name);
                let holder_id = other_id(&mut rng, &person.id_number);
                world
                    .phones
                    .entry(emergency.as_str().to_owned())
                    .or_insert(PhoneEntry {
                        holder_name,
                        holder_id,
                        state,
                    });
            }
        }

        // Domains: the registrar's real-name data.
        let by_legal_rep = company && rng.chance(HELD_BY_LEGAL_REP);
        for (position, &site_index) in generated.sites.iter().enumerate() {
            let Some(site) = sites.get(site_index) else {
                continue;
            };
            let mut holder = if !company {
                HolderEntry {
                    name: entity.principal.name.clone(),
                    id_type: "resident_id",
                    id_number: entity.principal.id_number.clone(),
                    verified: true,
                }
            } else if by_legal_rep {
                HolderEntry {
                    name: entity.legal_representative.clone().unwrap_or_default(),
                    id_type: "resident_id",
                    id_number: entity.principal.id_number.clone(),
                    verified: true,
                }
            } else {
                HolderEntry {
                    name: entity.name.clone(),
                    id_type: "credit_code",
                    id_number: entity.certificate_number.clone(),
                    verified: true,
                }
            };
            if position == 0 {
                match fault {
                    Some(Fault::HolderOther) => {
                        if company {
                            let city = rng.pick(CITIES);
                            let (brand, _) = *rng.pick(BRANDS);
                            holder.name = format!("{}{brand}文化传媒有限公司", city.name);
                            if holder.name == entity.name {
                                holder.name = format!("{}{brand}广告有限公司", city.name);
                            }
                        } else {
                            holder.name = other_name(&mut rng, &entity.principal.name);
                            holder.id_number = other_id(&mut rng, &entity.principal.id_number);
                        }
                        expect(
                            CheckId::EntityDomainOwnerMismatch,
                            fail,
                            RegistryKind::DomainRealName,
                        );
                    }
                    Some(Fault::HolderIdDiffers) => {
                        holder.id_number = other_id(&mut rng, &holder.id_number);
                        expect(
                            CheckId::EntityDomainOwnerMismatch,
                            fail,
                            RegistryKind::DomainRealName,
                        );
                    }
                    Some(Fault::HolderUnverified) => {
                        holder.verified = false;
                        expect(
                            CheckId::EntityDomainOwnerMismatch,
                            Status::Warn,
                            RegistryKind::DomainRealName,
                        );
                    }
                    _ => {}
                }
            }
            world.holders.insert(site.domain.clone(), holder);
        }
        expected.sort();
        expected.dedup();
        generated.registry_expected = expected;
    }
    world
}
