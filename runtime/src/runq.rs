//! A P's local run queue: a 256-slot ring, as in Go's proc.go `runqput`/`runqget` (single
//! producer, the P's owner; here also the only consumer, since idle Ps never steal on rt0's one
//! CPU). When the ring is full, `put` hands back half of it plus the new item so the caller
//! can move them to the global queue (Go's `runqputslow`).
pub const RUNQ_SIZE: usize = 256;

pub struct RunQueue<T: Copy> {
    head: u32,
    tail: u32,
    /// Slots in [head, tail) are initialised; the rest are not (no 256-slot fill at creation).
    ring: [core::mem::MaybeUninit<T>; RUNQ_SIZE],
}

/// What did not fit: half the ring, oldest first, then the item being put.
pub struct Overflow<T> {
    pub items: [Option<T>; RUNQ_SIZE / 2 + 1],
}

impl<T: Copy> RunQueue<T> {
    pub const fn new() -> Self {
        Self { head: 0, tail: 0, ring: [const { core::mem::MaybeUninit::uninit() }; RUNQ_SIZE] }
    }

    pub fn len(&self) -> usize {
        self.tail.wrapping_sub(self.head) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends `item`; on a full ring returns the oldest half and `item` for the global queue.
    pub fn put(&mut self, item: T) -> Result<(), Overflow<T>> {
        if self.len() < RUNQ_SIZE {
            self.ring[self.tail as usize % RUNQ_SIZE] = core::mem::MaybeUninit::new(item);
            self.tail = self.tail.wrapping_add(1);
            return Ok(());
        }
        let mut items = [None; RUNQ_SIZE / 2 + 1];
        for slot in items.iter_mut().take(RUNQ_SIZE / 2) {
            *slot = self.get();
        }
        items[RUNQ_SIZE / 2] = Some(item);
        Err(Overflow { items })
    }

    /// Takes the oldest item.
    pub fn get(&mut self) -> Option<T> {
        if self.is_empty() {
            return None;
        }
        // SAFETY: the slot at head is in [head, tail), so it was written by `put`.
        let item = unsafe { self.ring[self.head as usize % RUNQ_SIZE].assume_init() };
        self.head = self.head.wrapping_add(1);
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_order() {
        let mut q = RunQueue::new();
        for i in 0..10 {
            assert!(q.put(i).is_ok());
        }
        assert_eq!((0..10).map(|_| q.get().unwrap()).collect::<Vec<_>>(), (0..10).collect::<Vec<_>>());
        assert!(q.get().is_none());
    }

    #[test]
    fn overflow_moves_the_oldest_half_and_the_new_item() {
        let mut q = RunQueue::new();
        for i in 0..RUNQ_SIZE {
            assert!(q.put(i).is_ok());
        }
        let Err(over) = q.put(RUNQ_SIZE) else { panic!("full ring must overflow") };
        let moved: Vec<usize> = over.items.iter().map(|x| x.unwrap()).collect();
        assert_eq!(moved, (0..RUNQ_SIZE / 2).chain([RUNQ_SIZE]).collect::<Vec<_>>());
        assert_eq!(q.len(), RUNQ_SIZE / 2);
        assert_eq!(q.get(), Some(RUNQ_SIZE / 2));
    }

    #[test]
    fn wraps_around_many_times() {
        let mut q = RunQueue::new();
        for i in 0..10_000u32 {
            q.put(i).ok().unwrap();
            assert_eq!(q.get(), Some(i));
        }
        assert!(q.is_empty());
    }
}
