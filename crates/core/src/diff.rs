//! Field-level differences between two versions of a record, stored with
//! each activity so the stream says *what* changed, not only that something did.

use serde_json::{Map, Value, json};

/// Keys that change on every write and say nothing about the change.
const NOISE: &[&str] = &["metadata_modified", "num_resources", "num_tags"];

/// Lists the changes from `old` to `new` as
/// `[{"field": "title", "old": ..., "new": ...}, ...]`. Lists of objects with
/// an `id` (resources) are compared item by item, giving
/// `resources[<id>].url` style fields and `added`/`removed` entries.
pub fn diff(old: &Value, new: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    diff_into("", old, new, &mut out);
    out
}

fn diff_into(path: &str, old: &Value, new: &Value, out: &mut Vec<Value>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => diff_objects(path, a, b, out),
        (Value::Array(a), Value::Array(b)) if id_lists(a, b) => {
            for item in a {
                let id = item_id(item);
                match b.iter().find(|x| item_id(x) == id) {
                    Some(other) => diff_into(&format!("{path}[{id}]"), item, other, out),
                    None => out.push(json!({"field": path, "removed": id})),
                }
            }
            for item in b {
                let id = item_id(item);
                if !a.iter().any(|x| item_id(x) == id) {
                    out.push(json!({"field": path, "added": id}));
                }
            }
        }
        (a, b) if a != b => out.push(json!({"field": path, "old": a, "new": b})),
        _ => {}
    }
}

fn diff_objects(path: &str, a: &Map<String, Value>, b: &Map<String, Value>, out: &mut Vec<Value>) {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        if path.is_empty() && NOISE.contains(&k.as_str()) {
            continue;
        }
        if !path.is_empty() && k == "metadata_modified" {
            continue;
        }
        let field = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
        diff_into(&field, a.get(k).unwrap_or(&Value::Null), b.get(k).unwrap_or(&Value::Null), out);
    }
}

/// Both lists hold objects with ids (an empty list counts, when the other does).
fn id_lists(a: &[Value], b: &[Value]) -> bool {
    (is_id_list(a) || a.is_empty()) && (is_id_list(b) || b.is_empty()) && !(a.is_empty() && b.is_empty())
}

fn is_id_list(items: &[Value]) -> bool {
    !items.is_empty() && items.iter().all(|i| i.get("id").and_then(Value::as_str).is_some())
}

fn item_id(v: &Value) -> &str {
    v.get("id").and_then(Value::as_str).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_fields_and_resources() {
        let old = json!({"title": "A", "metadata_modified": "1", "resources": [{"id": "r1", "url": "x"}, {"id": "r2", "url": "y"}], "tags": [{"id": "t", "name": "a"}]});
        let new = json!({"title": "B", "metadata_modified": "2", "resources": [{"id": "r1", "url": "z"}, {"id": "r3", "url": "w"}], "tags": [{"id": "t", "name": "a"}]});
        let d = diff(&old, &new);
        assert_eq!(
            d,
            vec![
                json!({"field": "resources[r1].url", "old": "x", "new": "z"}),
                json!({"field": "resources", "removed": "r2"}),
                json!({"field": "resources", "added": "r3"}),
                json!({"field": "title", "old": "A", "new": "B"}),
            ]
        );
        assert!(diff(&new, &new).is_empty());
        assert_eq!(diff(&json!({"r": []}), &json!({"r": [{"id": "a"}]})), vec![json!({"field": "r", "added": "a"})]);
    }
}
