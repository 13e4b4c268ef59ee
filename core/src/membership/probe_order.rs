//! The order a member probes the others in (SWIM section 4.3): a list of ids, two bytes an id
//! while every id fits in 16 bits (a population numbered from 0 up to 65,535), four after. It is
//! as long as the member table, so it is a fifth of each member entry's bytes (issue 16).

use crate::NodeId;

/// A list of member ids, indexed and edited as a `Vec<NodeId>` would be.
#[derive(Clone, Debug)]
pub(super) enum ProbeOrder {
    /// Every id below 65,536.
    Narrow(Vec<u16>),
    /// Some id above.
    Wide(Vec<NodeId>),
}

impl Default for ProbeOrder {
    fn default() -> Self {
        ProbeOrder::Narrow(Vec::new())
    }
}

impl ProbeOrder {
    /// How many ids the list holds.
    pub(super) fn len(&self) -> usize {
        match self {
            ProbeOrder::Narrow(ids) => ids.len(),
            ProbeOrder::Wide(ids) => ids.len(),
        }
    }

    /// Whether the list is empty.
    pub(super) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The id at `index`, which must be below [`ProbeOrder::len`].
    pub(super) fn get(&self, index: usize) -> NodeId {
        match self {
            ProbeOrder::Narrow(ids) => NodeId::from(ids[index]),
            ProbeOrder::Wide(ids) => ids[index],
        }
    }

    /// Whether `id` is at `from` or after.
    pub(super) fn contains_from(&self, from: usize, id: NodeId) -> bool {
        match self {
            ProbeOrder::Narrow(ids) => {
                u16::try_from(id).is_ok_and(|id| ids[from.min(ids.len())..].contains(&id))
            }
            ProbeOrder::Wide(ids) => ids[from.min(ids.len())..].contains(&id),
        }
    }

    /// Puts `id` at `index`, moving the ids from there on up by one.
    pub(super) fn insert(&mut self, index: usize, id: NodeId) {
        self.widen_for(id);
        match self {
            ProbeOrder::Narrow(ids) => ids.insert(index, id as u16),
            ProbeOrder::Wide(ids) => ids.insert(index, id),
        }
    }

    /// Empties the list and fills it with `members`, keeping its storage.
    pub(super) fn refill(&mut self, members: impl Iterator<Item = NodeId>) {
        match self {
            ProbeOrder::Narrow(ids) => ids.clear(),
            ProbeOrder::Wide(ids) => ids.clear(),
        }
        for id in members {
            self.widen_for(id);
            match self {
                ProbeOrder::Narrow(ids) => ids.push(id as u16),
                ProbeOrder::Wide(ids) => ids.push(id),
            }
        }
    }

    /// Swaps the ids at `a` and `b`.
    pub(super) fn swap(&mut self, a: usize, b: usize) {
        match self {
            ProbeOrder::Narrow(ids) => ids.swap(a, b),
            ProbeOrder::Wide(ids) => ids.swap(a, b),
        }
    }

    /// Frees spare capacity (after a bootstrap, when the list will not grow much).
    pub(super) fn shrink_to_fit(&mut self) {
        match self {
            ProbeOrder::Narrow(ids) => ids.shrink_to_fit(),
            ProbeOrder::Wide(ids) => ids.shrink_to_fit(),
        }
    }

    /// Switches to four bytes an id if `id` does not fit in two.
    fn widen_for(&mut self, id: NodeId) {
        if let ProbeOrder::Narrow(ids) = self
            && u16::try_from(id).is_err()
        {
            let mut wide = Vec::with_capacity(ids.len() + 1);
            wide.extend(ids.iter().map(|&id| NodeId::from(id)));
            *self = ProbeOrder::Wide(wide);
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::RngExt;

    use super::*;
    use crate::seeded_rng;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn the_order_edits_as_a_vector_of_ids_would_and_widens_for_a_large_id() {
        let mut rng = seeded_rng(5);
        for round in 0..30 {
            let mut order = ProbeOrder::default();
            let mut reference: Vec<NodeId> = Vec::new();
            for _ in 0..400 {
                let id = if round % 2 == 1 && rng.random_range(0..50) == 0 {
                    rng.random_range(65_536..u32::MAX)
                } else {
                    rng.random_range(0..60_000)
                };
                match rng.random_range(0..4) {
                    0 => {
                        let members: Vec<NodeId> = (0..rng.random_range(0..40))
                            .map(|_| rng.random_range(0..1_000))
                            .collect();
                        order.refill(members.iter().copied());
                        reference = members;
                    }
                    1 if reference.len() > 1 => {
                        let (a, b) = (
                            rng.random_range(0..reference.len()),
                            rng.random_range(0..reference.len()),
                        );
                        order.swap(a, b);
                        reference.swap(a, b);
                    }
                    _ => {
                        let index = rng.random_range(0..=reference.len());
                        order.insert(index, id);
                        reference.insert(index, id);
                    }
                }
                assert_eq!(order.len(), reference.len());
                assert!((0..reference.len()).all(|i| order.get(i) == reference[i]));
                let from = rng.random_range(0..=reference.len() + 2);
                for probe in [id, rng.random_range(0..1_000)] {
                    assert_eq!(
                        order.contains_from(from, probe),
                        reference[from.min(reference.len())..].contains(&probe)
                    );
                }
                // Two bytes an id until a large one comes (and four from then on).
                if reference.iter().any(|&id| id > u32::from(u16::MAX)) {
                    assert!(matches!(order, ProbeOrder::Wide(_)));
                }
                if round % 2 == 0 {
                    assert!(matches!(order, ProbeOrder::Narrow(_)));
                }
            }
        }
    }
}
