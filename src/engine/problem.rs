//! The generic packing problem the engine solves: items with resource vectors and counts,
//! bin types with capacities and prices, eligibility, and conflict groups. Nothing here
//! knows about ECS; the domain layer (`crate::ecs::lower`) builds it.

/// Index of an item (a service, in ECS terms) in [`Problem::items`].
pub type ItemId = usize;
/// Index of a bin type (an instance type) in [`Problem::bin_types`].
pub type BinTypeId = usize;

/// A multi-dimensional bin packing problem with several priced bin types.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// One name per resource dimension, for reports ("cpu", "memory", ...).
    pub resources: Vec<String>,
    pub items: Vec<Item>,
    pub bin_types: Vec<BinType>,
    /// Each group allows at most one copy, summed over its items, per bin.
    pub conflict_groups: Vec<ConflictGroup>,
}

/// A kind of item, of which `count` identical copies must be packed.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub name: String,
    /// Demand per copy, one entry per resource dimension.
    pub size: Vec<u64>,
    pub count: u32,
    /// Bin types that may hold this item, ascending.
    pub eligible: Vec<BinTypeId>,
    /// At most this many copies per bin (`u32::MAX` when unlimited). Conflict groups that
    /// contain the item already imply 1; this field states it directly.
    pub max_per_bin: u32,
}

impl Item {
    /// One copy's size as one number: `Σ_d weight[d] · size[d]`.
    pub fn weighted_size(&self, weight: &[f64]) -> f64 {
        self.size.iter().zip(weight).map(|(&s, w)| s as f64 * w).sum()
    }
}

/// A bin type: capacity per resource dimension and a price per bin.
#[derive(Debug, Clone, PartialEq)]
pub struct BinType {
    pub name: String,
    pub capacity: Vec<u64>,
    pub price: f64,
}

/// Items of which at most one copy in total may share a bin.
#[derive(Debug, Clone, PartialEq)]
pub struct ConflictGroup {
    pub name: String,
    /// Ascending, without repeats.
    pub items: Vec<ItemId>,
}

impl Problem {
    /// Number of resource dimensions.
    pub fn dims(&self) -> usize {
        self.resources.len()
    }

    /// Per resource, one over the largest capacity of any bin type (0 where none has
    /// any): weights that make the resources comparable.
    pub fn capacity_scale(&self) -> Vec<f64> {
        (0..self.dims())
            .map(
                |d| match self.bin_types.iter().map(|b| b.capacity[d]).max().unwrap_or(0) {
                    0 => 0.0,
                    most => 1.0 / most as f64,
                },
            )
            .collect()
    }

    /// Total number of copies over all items.
    pub fn total_copies(&self) -> u64 {
        self.items.iter().map(|i| u64::from(i.count)).sum()
    }

    /// Conflict groups of each item, ascending: `result[item]` lists group indices.
    pub fn groups_of_items(&self) -> Vec<Vec<usize>> {
        let mut of = vec![Vec::new(); self.items.len()];
        for (g, group) in self.conflict_groups.iter().enumerate() {
            for &i in &group.items {
                of[i].push(g);
            }
        }
        of
    }

    /// The conflict groups among `items` alone, each item renumbered by its place in
    /// `items`; groups with no member there are dropped.
    pub fn groups_among(&self, items: &[ItemId]) -> Vec<ConflictGroup> {
        let mut place = vec![usize::MAX; self.items.len()];
        for (k, &i) in items.iter().enumerate() {
            place[i] = k;
        }
        self.conflict_groups
            .iter()
            .map(|g| ConflictGroup {
                name: g.name.clone(),
                items: g.items.iter().map(|&i| place[i]).filter(|&k| k != usize::MAX).collect(),
            })
            .filter(|g| !g.items.is_empty())
            .collect()
    }

    /// How many copies of `item` fit in an empty bin of type `bin_type`, ignoring the
    /// other items: resources, `max_per_bin` and conflict groups.
    pub fn max_copies_alone(&self, item: ItemId, bin_type: BinTypeId, in_group: bool) -> u32 {
        let it = &self.items[item];
        let cap = &self.bin_types[bin_type].capacity;
        let mut n = u64::from(it.max_per_bin.min(it.count));
        if in_group {
            n = n.min(1);
        }
        for (s, c) in it.size.iter().zip(cap) {
            if *s > 0 {
                n = n.min(c / s);
            }
        }
        n as u32
    }
}
