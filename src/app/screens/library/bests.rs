//! The trainee's best results on the library's cards: built here, by the screen, from the records `app::records` keeps.

use super::LibraryVm;
use crate::app::i18n::{Lang, T};
use crate::app::records::TraineeRecords;
use crate::core::records::ScenarioBest;

/// Puts the trainee's best result on each library card that has one.
pub(super) fn fill(vm: &mut LibraryVm, mine: &TraineeRecords) {
    for card in &mut vm.cards {
        card.best = mine.best(&card.id).and_then(|b| best_text(b, vm.lang));
    }
}

/// "82 / 100 (passed)" — the text of a library card's best result.
fn best_text(best: &ScenarioBest, lang: Lang) -> Option<String> {
    let overall = best.best_overall?;
    let mut s = format!("{overall:.0} / 100");
    if best.passed {
        s.push_str(&T::BestPassedSuffix.fmt(lang, &[]));
    }
    Some(s)
}
