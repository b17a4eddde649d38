//! What the pipeline learns from the leader: the sentiment corrections of this installation, trained
//! from the stored overrides when Lyssna starts (and again now and then, so that several processes on
//! one database agree), and updated at once when the leader overrides a label; and each brand's
//! relevance model, from the marks that say whether a mention is about us, the same way.

use crate::domain::pipeline::{Pipeline, classified_text};
use crate::domain::sentiment::{Example, Label};
use crate::store::{MentionRecord, Store, StoreResult, examples_of};

/// Retrains the learned layer from every standing override in the store. Returns how many.
pub async fn relearn_overrides(store: &Store, pipeline: &Pipeline) -> StoreResult<usize> {
    let examples: Vec<Example> = store
        .sentiment_overrides()
        .await?
        .into_iter()
        .map(|(text, label)| Example::new(text, label))
        .collect();
    pipeline.learn_overrides(&examples);
    Ok(examples.len())
}

/// The leader just set (or cleared) a mention's label: learn it now. A new label is one more example;
/// a cleared one is forgotten by retraining from the store.
pub async fn learn_from_override(
    store: &Store,
    pipeline: &Pipeline,
    mention: &MentionRecord,
    label: Option<Label>,
) -> StoreResult<()> {
    match label {
        Some(label) => {
            let text = classified_text(mention.title.as_deref(), &mention.body);
            pipeline.learn_override(Example::new(text, label));
        }
        None => {
            relearn_overrides(store, pipeline).await?;
        }
    }
    Ok(())
}

/// Retrains every brand's relevance model from the stored marks. Returns how many labels.
pub async fn relearn_relevance(store: &Store, pipeline: &Pipeline) -> StoreResult<usize> {
    let examples = store.relevance_examples().await?;
    pipeline.learn_relevance(&examples);
    Ok(examples.len())
}

/// The leader just said (by a mark) whether `mention` is about us: learn it now.
pub fn learn_relevance(pipeline: &Pipeline, mention: &MentionRecord, about_us: bool) {
    for e in examples_of(mention, about_us) {
        pipeline.learn_relevance_label(&e);
    }
}
