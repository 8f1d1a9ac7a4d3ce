//! The read-only file tree (Linux fs/namei.c's path walk over an initramfs-like tree): the
//! runner packs host directories into a cpio "newc" archive (`--dir HOST[:GUEST]`), the kernel
//! indexes it once at boot and serves it read-only. The archive is read with the `cpio_reader`
//! crate; the file bytes stay in the archive, which is never written.
//!
//! Names: every entry's name is a path relative to the root ("usr/lib/x.txt"); an entry whose
//! parent directories are not in the archive gets them as directories of mode 0755, and a later
//! entry of the same name replaces an earlier one's attributes (directories merge). Inode
//! numbers are node indexes + [`FIRST_INO`] (the root is 2, as on ext4). Everything belongs to
//! root (uid 0, gid 0), as the process is root.
//!
//! The walk follows Linux's rules: components separated by any number of '/', "." and ".."
//! (the root's parent is the root), ENOTDIR through a non-directory, ENOENT for a missing name,
//! ENAMETOOLONG for a component over [`NAME_MAX`] bytes, symbolic links followed in the middle
//! of a path and at its end unless asked not to, ELOOP after [`MAXSYMLINKS`] of them, and a
//! trailing '/' that requires a directory. Root may search any directory whatever its mode bits
//! (CAP_DAC_READ_SEARCH), so no component is EACCES.
use abi::errno::{ELOOP, ENAMETOOLONG, ENOENT, ENOTDIR};
use abi::stat::{S_IFDIR, S_IFLNK, S_IFMT, S_IFREG};
use alloc::vec::Vec;

/// Linux's NAME_MAX: the longest path component.
pub const NAME_MAX: usize = 255;
/// Linux's MAXSYMLINKS: symbolic links one walk may follow.
pub const MAXSYMLINKS: usize = 40;
/// The root's inode number; node `i` is inode `FIRST_INO + i`.
pub const FIRST_INO: u64 = 2;
/// The root's node.
pub const ROOT: usize = 0;

pub type Errno = isize;

/// Bytes of a file or link: in the archive, owned (a link made in /tmp), or in whole pages (a
/// file made in /tmp).
#[derive(Debug)]
pub enum Data<'a> {
    Archive(&'a [u8]),
    Owned(Vec<u8>),
    Pages(super::tmpfs::Pages),
}

impl Data<'_> {
    /// The bytes of archive and owned data (a link's target); pages have none in one piece.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Data::Archive(b) => b,
            Data::Owned(v) => v,
            Data::Pages(_) => &[],
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Data::Pages(p) => p.len(),
            d => d.bytes().len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Hands `f` the bytes from `at` on, a piece at a time, until it returns false.
    pub fn read(&self, at: usize, f: &mut dyn FnMut(&[u8]) -> bool) {
        match self {
            Data::Pages(p) => p.read(at, f),
            d => {
                let b = d.bytes();
                f(&b[at.min(b.len())..]);
            }
        }
    }
}

/// A name in a directory: from the archive or made later.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Name<'a> {
    Archive(&'a [u8]),
    Owned(Vec<u8>),
}

impl Name<'_> {
    pub fn bytes(&self) -> &[u8] {
        match self {
            Name::Archive(b) => b,
            Name::Owned(v) => v,
        }
    }
}

/// What a node is.
#[derive(Debug)]
pub enum Kind<'a> {
    /// A directory: its entries, sorted by name.
    Dir(Vec<(Name<'a>, usize)>),
    /// A regular file's bytes.
    File(Data<'a>),
    /// A symbolic link's target.
    Symlink(Data<'a>),
}

/// One inode of the tree.
#[derive(Debug)]
pub struct Node<'a> {
    /// The name in its parent ("" for the root).
    pub name: Name<'a>,
    pub parent: usize,
    /// File type and permission bits, as st_mode.
    pub mode: u32,
    /// Modification time, seconds since the epoch, and nanoseconds.
    pub mtime: u64,
    pub mtime_nsec: u32,
    /// In a writable directory (the tmpfs at /tmp): it may change, and so may its entries.
    pub writable: bool,
    /// Unlinked: no name reaches it any more (its open descriptors still do).
    pub unlinked: bool,
    /// Open descriptions of it (a writable file's bytes are freed when the last one closes
    /// after its unlink).
    pub opens: u32,
    /// Names a file or symbolic link has (hard links, made in /tmp); a directory's count is its
    /// entries' business (see [`Node::nlink`]).
    pub links: u32,
    pub kind: Kind<'a>,
}

impl<'a> Node<'a> {
    pub fn new(name: Name<'a>, parent: usize, mode: u32, mtime: u64, kind: Kind<'a>) -> Node<'a> {
        Node { name, parent, mode, mtime, mtime_nsec: 0, writable: false, unlinked: false, opens: 0, links: 1, kind }
    }

    pub fn is_dir(&self) -> bool {
        matches!(self.kind, Kind::Dir(_))
    }

    /// st_size: a file's length, a link's target length, a directory's entries × 32 (a
    /// directory's size is the filesystem's own business; this is tmpfs's rule of thumb).
    pub fn size(&self) -> u64 {
        match &self.kind {
            Kind::File(d) | Kind::Symlink(d) => d.len() as u64,
            Kind::Dir(e) => (e.len() as u64 + 2) * 32,
        }
    }

    /// st_nlink: 2 + the subdirectories for a directory, 1 otherwise.
    pub fn nlink(&self, tree: &Tree) -> u64 {
        match &self.kind {
            Kind::Dir(e) => 2 + e.iter().filter(|(_, n)| tree.nodes[*n].is_dir()).count() as u64,
            _ if self.unlinked => 0,
            _ => self.links as u64,
        }
    }
}

/// The indexed tree.
#[derive(Debug)]
pub struct Tree<'a> {
    pub nodes: Vec<Node<'a>>,
}

impl<'a> Tree<'a> {
    /// A tree with nothing but the root directory (mode 0755).
    pub fn empty() -> Tree<'a> {
        Tree { nodes: alloc::vec![Node::new(Name::Archive(b""), ROOT, S_IFDIR | 0o755, 0, Kind::Dir(Vec::new()))] }
    }

    /// Indexes a cpio newc archive. Entries other than directories, regular files and symbolic
    /// links (devices, FIFOs, sockets) are skipped; an entry whose name is "." sets the root's
    /// attributes. At most `abi::rt0::MAX_TREE_ENTRIES` entries are read. Returns the tree and
    /// the number of entries read.
    pub fn parse(archive: &'a [u8]) -> (Tree<'a>, usize) {
        let mut tree = Tree::empty();
        let mut count = 0;
        for e in cpio_reader::iter_files(archive).take(abi::rt0::MAX_TREE_ENTRIES) {
            count += 1;
            let mode = e.mode().bits();
            let kind = match mode & S_IFMT {
                S_IFDIR => Kind::Dir(Vec::new()),
                S_IFREG => Kind::File(Data::Archive(e.file())),
                S_IFLNK => Kind::Symlink(Data::Archive(e.file())),
                _ => continue,
            };
            let name = e.name().as_bytes();
            let (parent, base) = match name.iter().rposition(|&c| c == b'/') {
                Some(i) => (tree.make_dirs(&name[..i]), &name[i + 1..]),
                None => (ROOT, name),
            };
            if base.is_empty() || base == b"." && parent == ROOT {
                if matches!(kind, Kind::Dir(_)) {
                    tree.nodes[parent].mode = mode;
                    tree.nodes[parent].mtime = e.mtime();
                }
                continue;
            }
            if base == b"." || base == b".." {
                continue;
            }
            tree.insert(parent, Name::Archive(base), mode, e.mtime(), kind);
        }
        (tree, count)
    }

    /// The directory at `path` (relative to the root, '/'-separated), made with mode 0755 where
    /// missing. A non-directory in the way is replaced by a directory.
    fn make_dirs(&mut self, path: &'a [u8]) -> usize {
        let mut at = ROOT;
        for c in path.split(|&b| b == b'/').filter(|c| !c.is_empty() && *c != b".") {
            at = match self.child(at, c) {
                Some(n) if self.nodes[n].is_dir() => n,
                _ => self.insert(at, Name::Archive(c), S_IFDIR | 0o755, 0, Kind::Dir(Vec::new())),
            };
        }
        at
    }

    /// Adds (or replaces) `name` in directory `dir`; a directory replacing a directory keeps
    /// its entries. A node made in a writable directory is writable.
    pub fn insert(&mut self, dir: usize, name: Name<'a>, mode: u32, mtime: u64, kind: Kind<'a>) -> usize {
        if let Some(n) = self.child(dir, name.bytes()) {
            let old = &mut self.nodes[n];
            old.mode = mode;
            old.mtime = mtime;
            if !(old.is_dir() && matches!(kind, Kind::Dir(_))) {
                old.kind = kind;
            }
            return n;
        }
        let n = self.nodes.len();
        let mut node = Node::new(name.clone(), dir, mode, mtime, kind);
        node.writable = self.nodes[dir].writable;
        self.nodes.push(node);
        self.link(dir, name, n);
        n
    }

    /// Puts `n` in directory `dir` as `name` (which must be free).
    pub fn link(&mut self, dir: usize, name: Name<'a>, n: usize) {
        let Kind::Dir(entries) = &mut self.nodes[dir].kind else { unreachable!("a parent is a directory") };
        let at = entries.partition_point(|(e, _)| e.bytes() < name.bytes());
        entries.insert(at, (name, n));
    }

    /// Takes `name` out of directory `dir`; the node it named.
    pub fn unlink(&mut self, dir: usize, name: &[u8]) -> Option<usize> {
        let Kind::Dir(entries) = &mut self.nodes[dir].kind else { return None };
        let i = entries.binary_search_by(|(e, _)| e.bytes().cmp(name)).ok()?;
        Some(entries.remove(i).1)
    }

    /// The entry `name` of directory `dir`.
    pub fn child(&self, dir: usize, name: &[u8]) -> Option<usize> {
        let Kind::Dir(entries) = &self.nodes[dir].kind else { return None };
        entries.binary_search_by(|(e, _)| e.bytes().cmp(name)).ok().map(|i| entries[i].1)
    }

    /// Resolves `path` from directory `start` (the root for an absolute path), following a
    /// final symbolic link when `follow`. A trailing '/' requires a directory (and follows).
    pub fn walk(&self, start: usize, path: &[u8], follow: bool) -> Result<usize, Errno> {
        let mut links = 0;
        self.walk_from(start, path, follow, &mut links)
    }

    fn walk_from(&self, start: usize, path: &[u8], follow: bool, links: &mut usize) -> Result<usize, Errno> {
        if path.is_empty() {
            return Err(ENOENT);
        }
        let mut at = if path[0] == b'/' { ROOT } else { start };
        let trailing = path.last() == Some(&b'/');
        let mut parts = path.split(|&b| b == b'/').filter(|c| !c.is_empty()).peekable();
        while let Some(c) = parts.next() {
            let last = parts.peek().is_none();
            if !self.nodes[at].is_dir() {
                return Err(ENOTDIR);
            }
            if c.len() > NAME_MAX {
                return Err(ENAMETOOLONG);
            }
            let next = match c {
                b"." => at,
                b".." => self.nodes[at].parent,
                _ => self.child(at, c).ok_or(ENOENT)?,
            };
            at = match &self.nodes[next].kind {
                Kind::Symlink(target) if !last || follow || trailing => {
                    *links += 1;
                    if *links > MAXSYMLINKS {
                        return Err(ELOOP);
                    }
                    self.walk_from(at, target.bytes(), true, links)?
                }
                _ => next,
            };
        }
        if trailing && !self.nodes[at].is_dir() {
            return Err(ENOTDIR);
        }
        Ok(at)
    }

    /// The absolute name of directory `n` (getcwd), "/" for the root.
    pub fn path_of(&self, mut n: usize) -> Vec<u8> {
        let mut parts = Vec::new();
        while n != ROOT {
            parts.push(self.nodes[n].name.bytes());
            n = self.nodes[n].parent;
        }
        let mut out = Vec::new();
        for p in parts.iter().rev() {
            out.push(b'/');
            out.extend_from_slice(p);
        }
        if out.is_empty() {
            out.push(b'/');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A newc archive of `(name, mode, data)` entries, written as the runner's `cpio` crate
    /// writes them (header fields as 8 hex digits, name and data padded to 4 bytes).
    fn newc(entries: &[(&str, u32, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut put = |name: &str, mode: u32, data: &[u8], ino: usize| {
            let fields =
                [ino as u32, mode, 0, 0, 1, 1_700_000_000, data.len() as u32, 0, 0, 0, 0, name.len() as u32 + 1, 0];
            out.extend_from_slice(b"070701");
            for f in fields {
                out.extend_from_slice(alloc::format!("{f:08x}").as_bytes());
            }
            out.extend_from_slice(name.as_bytes());
            out.push(0);
            while out.len() % 4 != 0 {
                out.push(0);
            }
            out.extend_from_slice(data);
            while out.len() % 4 != 0 {
                out.push(0);
            }
        };
        for (i, (name, mode, data)) in entries.iter().enumerate() {
            put(name, *mode, data, i + 1);
        }
        put("TRAILER!!!", 0, b"", 0);
        out
    }

    fn sample() -> Vec<u8> {
        newc(&[
            ("a", S_IFDIR | 0o755, b""),
            ("a/f.txt", S_IFREG | 0o644, b"hello\n"),
            ("a/b/g", S_IFREG | 0o600, b"deep"),
            ("a/link", S_IFLNK | 0o777, b"f.txt"),
            ("a/abs", S_IFLNK | 0o777, b"/a/b"),
            ("a/loop", S_IFLNK | 0o777, b"loop"),
            ("a/dangling", S_IFLNK | 0o777, b"nothing"),
        ])
    }

    #[test]
    fn entries_index_with_their_missing_parents() {
        let ar = sample();
        let (t, count) = Tree::parse(&ar);
        assert_eq!(count, 7);
        let a = t.walk(ROOT, b"/a", true).unwrap();
        let b = t.walk(ROOT, b"/a/b", true).unwrap();
        assert!(t.nodes[b].is_dir());
        assert_eq!(t.nodes[b].mode, S_IFDIR | 0o755);
        assert_eq!(t.nodes[a].nlink(&t), 3);
        let g = t.walk(ROOT, b"a/b/g", true).unwrap();
        assert!(matches!(&t.nodes[g].kind, Kind::File(d) if d.bytes() == b"deep"));
        let Kind::Dir(e) = &t.nodes[a].kind else { panic!() };
        let names: Vec<&[u8]> = e.iter().map(|(n, _)| n.bytes()).collect();
        assert_eq!(names, [&b"abs"[..], b"b", b"dangling", b"f.txt", b"link", b"loop"]);
    }

    #[test]
    fn the_walk_answers_as_linux_namei() {
        let ar = sample();
        let (t, _) = Tree::parse(&ar);
        let f = t.walk(ROOT, b"/a/f.txt", true).unwrap();
        assert_eq!(t.walk(ROOT, b"//a/./b/..//f.txt", true), Ok(f));
        assert_eq!(t.walk(ROOT, b"/../../a/f.txt", true), Ok(f));
        assert_eq!(t.walk(ROOT, b"/a/link", true), Ok(f));
        let link = t.walk(ROOT, b"/a/link", false).unwrap();
        assert!(matches!(t.nodes[link].kind, Kind::Symlink(_)));
        assert_eq!(t.walk(ROOT, b"/a/abs/g", true), t.walk(ROOT, b"/a/b/g", true));
        assert_eq!(t.walk(ROOT, b"/a/f.txt/x", true), Err(ENOTDIR));
        assert_eq!(t.walk(ROOT, b"/a/f.txt/", true), Err(ENOTDIR));
        assert_eq!(t.walk(ROOT, b"/a/missing", true), Err(ENOENT));
        assert_eq!(t.walk(ROOT, b"/a/missing/x", true), Err(ENOENT));
        assert_eq!(t.walk(ROOT, b"", true), Err(ENOENT));
        assert_eq!(t.walk(ROOT, b"/a/loop", true), Err(ELOOP));
        assert!(t.walk(ROOT, b"/a/loop", false).is_ok());
        assert_eq!(t.walk(ROOT, b"/a/dangling", true), Err(ENOENT));
        let long = alloc::vec![b'x'; NAME_MAX + 1];
        assert_eq!(t.walk(ROOT, &long, true), Err(ENAMETOOLONG));
        let a = t.walk(ROOT, b"/a", true).unwrap();
        assert_eq!(t.walk(a, b"b/g", true), t.walk(ROOT, b"/a/b/g", true));
        assert_eq!(t.walk(a, b"..", true), Ok(ROOT));
    }

    #[test]
    fn a_directory_names_its_path_back() {
        let ar = sample();
        let (t, _) = Tree::parse(&ar);
        assert_eq!(t.path_of(ROOT), b"/");
        assert_eq!(t.path_of(t.walk(ROOT, b"/a/b", true).unwrap()), b"/a/b");
    }

    #[test]
    fn an_empty_or_broken_archive_is_an_empty_root() {
        let (t, n) = Tree::parse(b"");
        assert_eq!((t.nodes.len(), n), (1, 0));
        let (t, n) = Tree::parse(b"garbage that is no cpio header at all, not even close");
        assert_eq!((t.nodes.len(), n), (1, 0));
        assert!(t.nodes[ROOT].is_dir());
    }

    #[test]
    fn names_made_and_removed_keep_the_directory_sorted() {
        let ar = sample();
        let (mut t, _) = Tree::parse(&ar);
        let a = t.walk(ROOT, b"/a", true).unwrap();
        let n = t.insert(a, Name::Owned(b"c.new".to_vec()), S_IFREG | 0o600, 1, Kind::File(Data::Owned(b"x".to_vec())));
        assert_eq!(t.walk(ROOT, b"/a/c.new", true), Ok(n));
        let Kind::Dir(e) = &t.nodes[a].kind else { panic!() };
        assert!(e.windows(2).all(|w| w[0].0.bytes() < w[1].0.bytes()));
        assert_eq!(t.unlink(a, b"c.new"), Some(n));
        assert_eq!(t.walk(ROOT, b"/a/c.new", true), Err(ENOENT));
        assert_eq!(t.unlink(a, b"c.new"), None);
    }
}
