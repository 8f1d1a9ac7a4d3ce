//! Resource limits (Linux kernel/sys.c `do_prlimit`, include/asm-generic/resource.h
//! `INIT_RLIMITS`): the process's soft and hard limit of each resource, as prlimit64, getrlimit
//! and setrlimit read and change them. The process runs as root (CAP_SYS_RESOURCE), so it may
//! raise a hard limit, RLIMIT_NOFILE's only up to `fs.nr_open`. RLIMIT_NOFILE is enforced by
//! the descriptor table; the others are reported and kept, not enforced.
use super::uaccess::Errno;
use abi::errno::{EINVAL, EPERM};
use abi::resource::*;
use abi::rt0::STACK_SIZE;

/// Every resource's limits.
#[derive(Clone)]
pub struct Limits([Rlimit; RLIM_NLIMITS]);

impl Limits {
    /// What init starts with: RLIMIT_STACK the stack rt0 reserves, RLIMIT_NOFILE 1024/4096,
    /// everything else unlimited.
    pub const fn new() -> Self {
        let mut l = [Rlimit { rlim_cur: RLIM_INFINITY, rlim_max: RLIM_INFINITY }; RLIM_NLIMITS];
        l[RLIMIT_STACK] = Rlimit { rlim_cur: STACK_SIZE as u64, rlim_max: RLIM_INFINITY };
        l[RLIMIT_NOFILE] = Rlimit { rlim_cur: INR_OPEN_CUR, rlim_max: INR_OPEN_MAX };
        Limits(l)
    }

    /// The limits of `resource`; EINVAL for a resource that does not exist.
    pub fn get(&self, resource: usize) -> Result<Rlimit, Errno> {
        self.0.get(resource).copied().ok_or(EINVAL)
    }

    /// Sets `resource`'s limits with do_prlimit's checks in its order: the resource exists
    /// (EINVAL), soft ≤ hard (EINVAL), RLIMIT_NOFILE's hard limit ≤ fs.nr_open (EPERM).
    /// Returns the limits it replaced.
    pub fn set(&mut self, resource: usize, new: Rlimit) -> Result<Rlimit, Errno> {
        let old = self.get(resource)?;
        if new.rlim_cur > new.rlim_max {
            return Err(EINVAL);
        }
        if resource == RLIMIT_NOFILE && new.rlim_max > SYSCTL_NR_OPEN {
            return Err(EPERM);
        }
        self.0[resource] = new;
        Ok(old)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_start_as_init_and_change_with_do_prlimit_checks() {
        let mut l = Limits::new();
        assert_eq!(l.get(RLIMIT_NOFILE), Ok(Rlimit { rlim_cur: INR_OPEN_CUR, rlim_max: INR_OPEN_MAX }));
        assert_eq!(l.get(RLIM_NLIMITS), Err(EINVAL));
        assert_eq!(l.set(RLIM_NLIMITS, Rlimit::default()), Err(EINVAL));
        assert_eq!(l.set(RLIMIT_NOFILE, Rlimit { rlim_cur: 2, rlim_max: 1 }), Err(EINVAL));
        assert_eq!(l.set(RLIMIT_NOFILE, Rlimit { rlim_cur: 1, rlim_max: SYSCTL_NR_OPEN + 1 }), Err(EPERM));
        let raised = Rlimit { rlim_cur: 20_000, rlim_max: SYSCTL_NR_OPEN };
        assert_eq!(l.set(RLIMIT_NOFILE, raised).map(|old| old.rlim_max), Ok(INR_OPEN_MAX));
        assert_eq!(l.get(RLIMIT_NOFILE), Ok(raised));
        // Only RLIMIT_NOFILE is bounded by fs.nr_open.
        assert!(l.set(RLIMIT_STACK, Rlimit { rlim_cur: RLIM_INFINITY, rlim_max: RLIM_INFINITY }).is_ok());
    }
}
