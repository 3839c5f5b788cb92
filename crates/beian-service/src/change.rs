//! 变更落地 — applying an approved change request to the filing.
//!
//! A change request names fields by path (`entity.name`, `websites[0].domains`,
//! `websites[1]`). Applying it edits the filing's JSON and reads it back through the
//! filing model, so an approved change can never store a filing the model would refuse.

use beian_domain::Filing;
use beian_domain::workflow::FieldChange;
use serde_json::Value;

/// Why a change cannot be applied; the message names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    /// The path does not name a field of the filing.
    #[error("变更字段「{path}」不存在")]
    NoSuchField {
        /// The path as given.
        path: String,
    },
    /// The path is not of the form `a.b[0].c`.
    #[error("变更字段「{path}」的写法无法识别")]
    BadPath {
        /// The path as given.
        path: String,
    },
    /// The filing after the change is not a valid filing.
    #[error("变更后的备案数据无效：{reason}")]
    Invalid {
        /// The model's reason, with the JSON path.
        reason: String,
    },
}

/// One step of a path: a key, or an index into a list.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

fn parse_path(path: &str) -> Result<Vec<Step>, ChangeError> {
    let bad = || ChangeError::BadPath {
        path: path.to_owned(),
    };
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(open) => (&part[..open], &part[open..]),
            None => (part, ""),
        };
        if key.is_empty() {
            return Err(bad());
        }
        steps.push(Step::Key(key.to_owned()));
        while !rest.is_empty() {
            let close = rest.find(']').ok_or_else(bad)?;
            let index: usize = rest[1..close].parse().map_err(|_| bad())?;
            steps.push(Step::Index(index));
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return Err(bad());
            }
        }
    }
    Ok(steps)
}

/// The value a text entered in a form becomes: lists (domains, IPs) are split on commas,
/// 、 and whitespace; everything else is the trimmed text.
fn value_for(current: Option<&Value>, text: &str) -> Value {
    match current {
        Some(Value::Array(_)) => Value::Array(
            text.split([',', '，', '、', ' ', '\n'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        ),
        _ => Value::String(text.trim().to_owned()),
    }
}

/// The filing with the changes applied, in order.
pub fn apply_changes(filing: &Filing, changes: &[FieldChange]) -> Result<Filing, ChangeError> {
    let mut json = serde_json::to_value(filing).map_err(|e| ChangeError::Invalid {
        reason: e.to_string(),
    })?;
    // Removals of list elements run last and from the highest index down, so that
    // "remove websites[1]" and "remove websites[2]" mean the sites the customer saw.
    let (mut removals, edits): (Vec<&FieldChange>, Vec<&FieldChange>) = changes
        .iter()
        .partition(|c| c.new.is_none() && c.path.ends_with(']'));
    for change in edits {
        set(&mut json, change)?;
    }
    removals.sort_by_key(|c| std::cmp::Reverse(last_index(&c.path)));
    for change in removals {
        set(&mut json, change)?;
    }
    serde_path_to_error::deserialize::<_, Filing>(json).map_err(|e| ChangeError::Invalid {
        reason: format!("{}：{}", e.path(), e.inner()),
    })
}

fn last_index(path: &str) -> usize {
    parse_path(path)
        .ok()
        .and_then(|steps| match steps.last() {
            Some(Step::Index(i)) => Some(*i),
            _ => None,
        })
        .unwrap_or(0)
}

fn set(root: &mut Value, change: &FieldChange) -> Result<(), ChangeError> {
    let missing = || ChangeError::NoSuchField {
        path: change.path.clone(),
    };
    let steps = parse_path(&change.path)?;
    let (last, parents) = steps.split_last().ok_or_else(missing)?;
    let mut node = root;
    for step in parents {
        node = match step {
            Step::Key(key) => node
                .as_object_mut()
                .ok_or_else(missing)?
                .entry(key.clone())
                .or_insert(Value::Null),
            Step::Index(i) => node
                .as_array_mut()
                .and_then(|a| a.get_mut(*i))
                .ok_or_else(missing)?,
        };
        if node.is_null() {
            *node = Value::Object(Default::default());
        }
    }
    match (last, &change.new) {
        (Step::Key(key), Some(text)) => {
            let object = node.as_object_mut().ok_or_else(missing)?;
            let value = value_for(object.get(key), text);
            object.insert(key.clone(), value);
        }
        (Step::Key(key), None) => {
            node.as_object_mut().ok_or_else(missing)?.remove(key);
        }
        (Step::Index(i), Some(text)) => {
            let slot = node
                .as_array_mut()
                .and_then(|a| a.get_mut(*i))
                .ok_or_else(missing)?;
            *slot = Value::String(text.trim().to_owned());
        }
        (Step::Index(i), None) => {
            let list = node.as_array_mut().ok_or_else(missing)?;
            if *i >= list.len() {
                return Err(missing());
            }
            list.remove(*i);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped company example with a second site, so removals have a neighbour.
    fn example() -> Filing {
        let mut filing =
            Filing::from_json(include_str!("../../../examples/company.jsonc")).expect("example");
        let mut second = filing.websites[0].clone();
        second.name = "云帆博客".to_owned();
        filing.websites.push(second);
        filing
    }

    fn change(path: &str, new: Option<&str>) -> FieldChange {
        FieldChange {
            path: path.to_owned(),
            old: None,
            new: new.map(str::to_owned),
        }
    }

    #[test]
    fn edits_scalars_lists_and_removes_sites() {
        let filing = example();
        let changed = apply_changes(
            &filing,
            &[
                change("websites[0].name", Some("新的网站名称")),
                change(
                    "websites[0].domains",
                    Some("example.cn, www-new.example.cn"),
                ),
                change("websites[1]", None),
            ],
        )
        .expect("applies");
        assert_eq!(changed.websites[0].name, "新的网站名称");
        assert_eq!(
            changed.websites[0].domains,
            vec!["example.cn".to_owned(), "www-new.example.cn".to_owned()]
        );
        assert_eq!(changed.websites.len(), filing.websites.len() - 1);
    }

    #[test]
    fn refuses_unknown_fields_bad_paths_and_invalid_results() {
        let filing = example();
        let cases = [
            (change("websites[9].name", Some("x")), "不存在"),
            (change("websites[0.name", Some("x")), "无法识别"),
            (change("entity.nmae", Some("x")), "变更后的备案数据无效"),
            (
                change("entity.kind", Some("spaceship")),
                "变更后的备案数据无效",
            ),
        ];
        for (change, expected) in cases {
            let error = apply_changes(&filing, std::slice::from_ref(&change))
                .expect_err(&change.path)
                .to_string();
            assert!(error.contains(expected), "{}: {error}", change.path);
        }
    }

    #[test]
    fn paths_parse() {
        assert_eq!(
            parse_path("websites[0].domains").expect("path"),
            vec![
                Step::Key("websites".into()),
                Step::Index(0),
                Step::Key("domains".into())
            ]
        );
        for bad in ["", ".a", "a[", "a[x]", "a[0]b"] {
            assert!(parse_path(bad).is_err(), "{bad}");
        }
    }
}
