//! Pass: locales — the declared locales are supported and each declared once (E021, E022, W024).

use super::context::{Ctx, root};
use super::suggest;
use crate::diagnostics::Code;
use crate::text::SUPPORTED_LOCALES;

pub(super) fn run(c: &mut Ctx<'_>) {
    let sc = c.sc;
    if sc.locales.is_empty() {
        c.push(
            Code::E022,
            root().field("locales"),
            "the scenario declares no locale".to_string(),
            Some(format!(
                "list the languages its texts are written in, e.g. locales: [\"zh-CN\", \"en\"] (supported: {})",
                SUPPORTED_LOCALES.join(", ")
            )),
        )
        .label("empty");
    }
    let mut seen = std::collections::HashSet::with_capacity(sc.locales.len());
    for (i, loc) in sc.locales.iter().enumerate() {
        if !seen.insert(loc.as_str()) {
            c.push(
                Code::W024,
                root().field("locales").index(i),
                format!("locale `{loc}` is declared twice"),
                Some("remove the second one".to_string()),
            )
            .label("again");
            continue;
        }
        if !SUPPORTED_LOCALES.contains(&loc.as_str()) {
            let hint = match suggest(loc, SUPPORTED_LOCALES.iter().copied()) {
                Some(m) => format!(
                    "did you mean `{m}`? Supported locales: {}",
                    SUPPORTED_LOCALES.join(", ")
                ),
                None => format!(
                    "supported locales: {} (the app has no UI strings for others)",
                    SUPPORTED_LOCALES.join(", ")
                ),
            };
            c.push(
                Code::E021,
                root().field("locales").index(i),
                format!("locale `{loc}` is not supported"),
                Some(hint),
            )
            .label("unsupported");
        }
    }
}
