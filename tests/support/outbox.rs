//! Statements as a station writes them: attempts played and recorded in a store of its own, read back from its outbox.
#![allow(dead_code)]

use super::ralph::scenario;
use courtesy::core::records::{OutboxSelect, Source, Store, record_played};
use courtesy::core::strategy::{Strategy, play};
use serde_json::Value;
use std::path::Path;

/// Records one attempt by each of `trainees` (best and worst play by turns, seeds from
/// `seed` up) at a station named `station`, in a store of its own in `dir`, and returns
/// the statements its outbox then holds.
pub fn statements_of(dir: &Path, station: &str, trainees: &[&str], seed: u64) -> Vec<Value> {
    let store = Store::open(&dir.join(format!("{station}.sqlite3"))).expect("store");
    store.set_station(Some(station));
    for (i, t) in trainees.iter().enumerate() {
        let strategy = if i % 2 == 0 {
            Strategy::Best
        } else {
            Strategy::Worst
        };
        let r = play(scenario(), seed + i as u64, "en", &strategy).expect("plays");
        record_played(&store, t, Source::Cli, scenario(), &r, |_| {}).expect("records");
    }
    store
        .outbox_items(OutboxSelect::All, None)
        .expect("outbox")
        .into_iter()
        .map(|i| serde_json::from_str(&i.statement).expect("statement JSON"))
        .collect()
}
