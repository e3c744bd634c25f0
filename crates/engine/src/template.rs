//! The starter scenario `courtesy new` writes: small, valid, commented, in the locales asked for.

/// Whether `id` is a usable scenario id: the validator's one id rule.
pub use crate::validate::valid_id;

struct T<'a> {
    locales: &'a [String],
}

impl T<'_> {
    /// A text map with the Chinese and English strings for the locales asked for;
    /// other locales get a "translate me" placeholder with the English text.
    fn t(&self, zh: &str, en: &str) -> String {
        let parts: Vec<String> = self
            .locales
            .iter()
            .map(|l| {
                let s = match l.as_str() {
                    "zh-CN" => zh.to_string(),
                    "en" => en.to_string(),
                    other => format!("[{other}] {en}"),
                };
                format!("{:?}: {:?}", l, s)
            })
            .collect();
        format!("{{{}}}", parts.join(", "))
    }
}

/// The starter scenario: its texts written `«中文|English»`, and `{id}`, `{id:?}` and
/// `{locales:?}` standing for the id as typed, the id quoted and the quoted locale list.
const STARTER: &str = include_str!("starter.ron.tmpl");

/// The text of a new scenario file with id `id` in `locales`.
pub fn new_scenario(id: &str, locales: &[String]) -> String {
    let t = T { locales };
    let fields = [
        ("{id:?}", format!("{id:?}")),
        ("{id}", id.to_string()),
        ("{locales:?}", format!("{locales:?}")),
    ];
    let mut out = String::with_capacity(STARTER.len() * 2);
    let mut rest = STARTER;
    while let Some(at) = rest.find(['«', '{']) {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some((text, after)) = rest.strip_prefix('«').and_then(|r| r.split_once('»')) {
            let (zh, en) = text.split_once('|').unwrap_or((text, text));
            out.push_str(&t.t(zh, en));
            rest = after;
        } else if let Some((name, value)) = fields.iter().find(|(name, _)| rest.starts_with(name)) {
            out.push_str(value);
            rest = &rest[name.len()..];
        } else {
            // A brace or guillemet that is the template's own text.
            let c = rest.chars().next().unwrap_or('{');
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_text_and_field_of_the_starter_is_filled_in_and_it_parses() {
        for locales in [&["zh-CN", "en"][..], &["en"], &["fr", "zh-CN"]] {
            let locales: Vec<String> = locales.iter().map(|l| l.to_string()).collect();
            let s = super::new_scenario("my-case", &locales);
            for left in ["«", "»", "{id", "{locales"] {
                assert!(!s.contains(left), "{left} left in {s}");
            }
            let sc = crate::load::parse_str(&s).expect("the starter parses");
            assert_eq!(sc.id, "my-case");
            assert_eq!(sc.locales, locales);
        }
    }
}
