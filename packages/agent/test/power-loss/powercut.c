/*
 * powercut.c: an LD_PRELOAD library that lets a test cut the power under one directory.
 *
 * A process started with LD_PRELOAD=powercut.so, POWERCUT_ROOT=<dir> and POWERCUT_SHADOW=<dir>
 * runs on the real files, unchanged. Beside them the library keeps, in the shadow directory,
 * what a disk would still hold after a power cut:
 *
 *   names          one line per durable directory entry: "<file id>\t<path relative to root>"
 *   data/<id>      the durable content of one file (inode): what its last fsync made durable
 *   flushes        one line per fsync/fdatasync the library saw: "<path>\n" (for the test's report)
 *
 * and what the page cache holds that is not durable yet, shared by every process on the root
 * (as the kernel's page cache is: one process's fsync writes what another wrote before it):
 *
 *   ids            "<inode>\t<file id>" as processes meet files ("-": the inode died)
 *   pending        directory changes not yet made durable: "<L|U>\t<dir>\t<path>\t<file id>"
 *   dirty/<id>     the pid of the last process that wrote the file since its last fsync
 *
 * The model (POSIX, the strictest reading; see the README, "Fault tests"):
 *   - write, pwrite, writev, pwritev, ftruncate, truncate, fallocate, sendfile and
 *     copy_file_range change a file in the page cache only;
 *   - fsync or fdatasync of a file makes its current content durable (for its inode);
 *   - creating, linking, renaming or unlinking a name changes the directory in memory only;
 *     fsync of the directory makes those changes durable, in order;
 *   - sync() and syncfs() make everything durable; O_SYNC/O_DSYNC and RWF_SYNC/RWF_DSYNC
 *     writes are durable when they return; msync(MS_SYNC) makes a shared mapping durable.
 *
 * The test kills the process (SIGKILL), then rewrites the directory from the shadow (see
 * power-cut-disk.ts): names that were never made durable go, durable names come back with their
 * durable content. The library itself only ever adds to the shadow what an fsync made durable;
 * a SIGKILL in the middle of one leaves part of that fsync's data durable, as a real power cut
 * in the middle of an fsync can.
 *
 * Dirty ranges are over-approximated, never under: copying a range that did not change costs
 * time only, while a missed write would roll a file back further than a real disk would (and
 * the FULL controls would then show losses).
 *
 * Not modelled: directories themselves (mkdir/rmdir are durable at once), symlinks, writes
 * through io_uring or raw syscall(), ioctl(FICLONE). Neither SQLite nor Node's fs use them
 * on the files the tests look at (Node is started with UV_USE_IO_URING=0).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define FD_MAX 65536
#define RANGES_MAX 512
#define FILES_MAX 256
#define MAPS_MAX 256
#define NAMES_MAX 1024
#define ID_LEN 64
#define END UINT64_MAX

/* ---- the real functions ---- */

#define REAL(name)                                                                                 \
  static __typeof__(name) *real_##name##_fn;                                                       \
  static __typeof__(name) *real_##name(void) {                                                     \
    if (real_##name##_fn == NULL) real_##name##_fn = (__typeof__(name) *)dlsym(RTLD_NEXT, #name);  \
    return real_##name##_fn;                                                                       \
  }

REAL(open)
REAL(open64)
REAL(openat)
REAL(openat64)
REAL(close)
REAL(write)
REAL(writev)
REAL(pwrite)
REAL(pwrite64)
REAL(pwritev)
REAL(pwritev64)
REAL(pwritev2)
REAL(pwritev64v2)
REAL(ftruncate)
REAL(ftruncate64)
REAL(truncate)
REAL(truncate64)
REAL(fallocate)
REAL(fallocate64)
REAL(posix_fallocate)
REAL(posix_fallocate64)
REAL(fsync)
REAL(fdatasync)
REAL(sync)
REAL(syncfs)
REAL(unlink)
REAL(unlinkat)
REAL(remove)
REAL(rename)
REAL(renameat)
REAL(renameat2)
REAL(link)
REAL(linkat)
REAL(dup)
REAL(dup2)
REAL(dup3)
REAL(sendfile)
REAL(sendfile64)
REAL(copy_file_range)
REAL(mmap)
REAL(mmap64)
REAL(munmap)
REAL(msync)
REAL(pread64)

/* ---- state ---- */

struct range {
  uint64_t lo, hi;
};

/* One file (inode) the process touched under the root. */
struct file {
  int used;
  int alive; /* 0 once its last name is gone: its inode number may be reused */
  ino_t ino;
  char id[ID_LEN];
  char rel[PATH_MAX]; /* its last known name, for sync() and msync() */
  int whole;          /* copy the whole file at the next flush */
  int mapped;         /* a shared writable mapping exists: copy the whole file every flush */
  int marked;         /* this process put the file's dirty marker since the last flush */
  int nranges;
  struct range ranges[RANGES_MAX];
};

enum op_kind { OP_LINK = 'L', OP_UNLINK = 'U' };

struct mapping {
  void *addr;
  size_t len;
  struct file *file;
};

static char root[PATH_MAX];
static size_t root_len;
static char shadow[PATH_MAX];
static int enabled = -1;
static unsigned long counter;
static pthread_mutex_t lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

static struct file files[FILES_MAX];
static struct file *fd_file[FD_MAX];
static char *fd_dir[FD_MAX];
static int fd_sync[FD_MAX];
static struct mapping maps[MAPS_MAX];
static char copy_buf[1 << 16];

static void before_fork(void) {
  pthread_mutex_lock(&lock);
}

static void after_fork(void) {
  pthread_mutex_unlock(&lock);
}

/* A fork while another thread holds the lock would leave the child locked out forever. */
__attribute__((constructor)) static void init(void) {
  pthread_atfork(before_fork, after_fork, after_fork);
}

static void die(const char *what) {
  char line[PATH_MAX + 128];
  int n = snprintf(line, sizeof line, "powercut: %s (errno %d)\n", what, errno);
  if (n > 0) real_write()(2, line, (size_t)n);
  abort();
}

static int on(void) {
  if (enabled >= 0) return enabled;
  const char *r = getenv("POWERCUT_ROOT");
  const char *s = getenv("POWERCUT_SHADOW");
  if (r == NULL || s == NULL || r[0] != '/' || s[0] != '/') {
    enabled = 0;
    return 0;
  }
  if (strlen(r) > PATH_MAX / 2 || strlen(s) > PATH_MAX / 2) die("POWERCUT_ROOT or POWERCUT_SHADOW is too long");
  snprintf(root, sizeof root, "%s", r);
  root_len = strlen(root);
  while (root_len > 1 && root[root_len - 1] == '/') root[--root_len] = '\0';
  snprintf(shadow, sizeof shadow, "%s", s);
  enabled = 1;
  return 1;
}

/* ---- paths ---- */

/* `path` (relative to `dirfd`) as an absolute path with a real directory part; 0 if impossible. */
static int resolve(int dirfd, const char *path, char *out) {
  char joined[PATH_MAX * 2];
  if (path == NULL) return 0;
  if (path[0] == '/') {
    snprintf(joined, sizeof joined, "%s", path);
  } else {
    char base[PATH_MAX];
    if (dirfd == AT_FDCWD) {
      if (getcwd(base, sizeof base) == NULL) return 0;
    } else {
      char proc[64];
      snprintf(proc, sizeof proc, "/proc/self/fd/%d", dirfd);
      ssize_t n = readlink(proc, base, sizeof base - 1);
      if (n <= 0) return 0;
      base[n] = '\0';
    }
    snprintf(joined, sizeof joined, "%s/%s", base, path);
  }
  char *slash = strrchr(joined, '/');
  char dir[PATH_MAX];
  const char *name = slash + 1;
  if (slash == joined) {
    snprintf(dir, sizeof dir, "/");
  } else {
    *slash = '\0';
    if (realpath(joined, dir) == NULL) return 0;
  }
  if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
    /* a directory named by itself */
    char full[PATH_MAX * 2];
    snprintf(full, sizeof full, "%s/%s", dir, name);
    return realpath(full, out) != NULL;
  }
  if (snprintf(out, PATH_MAX, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, name) >= PATH_MAX) return 0;
  return 1;
}

/* The path relative to the root, or NULL when it is not under it (or is the root). */
static const char *under_root(const char *abs) {
  if (strncmp(abs, root, root_len) != 0 || abs[root_len] != '/') return NULL;
  const char *rel = abs + root_len + 1;
  if (strchr(rel, '\t') != NULL || strchr(rel, '\n') != NULL) return NULL;
  return rel;
}

static void dir_of(const char *abs, char *out) {
  snprintf(out, PATH_MAX, "%s", abs);
  char *slash = strrchr(out, '/');
  if (slash == out) out[1] = '\0';
  else if (slash != NULL) *slash = '\0';
}

/* ---- the durable names (shadow/names) ---- */

struct name {
  char id[ID_LEN];
  char rel[PATH_MAX];
};
static struct name names_buf[NAMES_MAX];

static int load_names(void) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/names", shadow);
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    if (errno == ENOENT) return 0;
    die("cannot read the shadow's names");
  }
  int n = 0;
  char line[PATH_MAX + ID_LEN + 4];
  while (fgets(line, sizeof line, f) != NULL) {
    char *tab = strchr(line, '\t');
    if (tab == NULL) continue;
    *tab = '\0';
    char *rel = tab + 1;
    rel[strcspn(rel, "\n")] = '\0';
    if (n == NAMES_MAX) die("too many durable names");
    snprintf(names_buf[n].id, ID_LEN, "%s", line);
    snprintf(names_buf[n].rel, PATH_MAX, "%s", rel);
    n++;
  }
  fclose(f);
  return n;
}

static void save_names(int n) {
  char path[PATH_MAX], tmp[PATH_MAX + 8];
  snprintf(path, sizeof path, "%s/names", shadow);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  if (f == NULL) die("cannot write the shadow's names");
  for (int i = 0; i < n; i++)
    if (names_buf[i].rel[0] != '\0') fprintf(f, "%s\t%s\n", names_buf[i].id, names_buf[i].rel);
  if (fclose(f) != 0) die("cannot write the shadow's names");
  /* rename is atomic under SIGKILL: the shadow is never half-written */
  if (real_rename()(tmp, path) != 0) die("cannot replace the shadow's names");
}

/* The id a durable name gives the inode `ino`, if the name points at that very inode. */
static int durable_id(const char *rel, ino_t ino, char *out) {
  int n = load_names();
  char prefix[32];
  snprintf(prefix, sizeof prefix, "%lu.", (unsigned long)ino);
  for (int i = 0; i < n; i++) {
    if (strcmp(names_buf[i].rel, rel) == 0 && strncmp(names_buf[i].id, prefix, strlen(prefix)) == 0) {
      snprintf(out, ID_LEN, "%s", names_buf[i].id);
      return 1;
    }
  }
  return 0;
}

/* ---- what every process shares: the page cache's view (shadow/ids, pending, dirty/) ---- */

static void append_line(const char *name, const char *line) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", shadow, name);
  int fd = real_open64()(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) die("cannot append to the shadow");
  size_t n = strlen(line);
  if (real_write()(fd, line, n) != (ssize_t)n) die("cannot append to the shadow");
  real_close()(fd);
}

/*
 * The id some process gave this inode: the last line of shadow/ids for it. 1 found, -1 when
 * that line says the inode died (its number may have been reused since), 0 when none.
 */
static int shared_id(ino_t ino, char *out) {
  char path[PATH_MAX], line[ID_LEN + 32], prefix[32];
  snprintf(path, sizeof path, "%s/ids", shadow);
  snprintf(prefix, sizeof prefix, "%lu\t", (unsigned long)ino);
  FILE *f = fopen(path, "r");
  if (f == NULL) return 0;
  int found = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, prefix, strlen(prefix)) != 0) continue;
    char *id = line + strlen(prefix);
    id[strcspn(id, "\n")] = '\0';
    found = strcmp(id, "-") == 0 ? -1 : 1;
    if (found == 1) snprintf(out, ID_LEN, "%s", id);
  }
  fclose(f);
  return found;
}

static void note_id(ino_t ino, const char *id) {
  char line[ID_LEN + 32];
  snprintf(line, sizeof line, "%lu\t%s\n", (unsigned long)ino, id);
  append_line("ids", line);
}

/*
 * shadow/dirty/<id> holds the pid of the last process that wrote the file since it was last
 * made durable: a process that finds another's marker cannot know which pages that process
 * wrote, so its next fsync copies the whole file (as the kernel's would write them all).
 */
static int marked_by_other(const struct file *f) {
  char path[PATH_MAX + ID_LEN], text[32] = "";
  snprintf(path, sizeof path, "%s/dirty/%s", shadow, f->id);
  int fd = real_open64()(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = real_pread64()(fd, text, sizeof text - 1, 0);
  real_close()(fd);
  if (n > 0) text[n] = '\0';
  return atoi(text) != (int)getpid();
}

static void set_marker(struct file *f, int on_disk) {
  char path[PATH_MAX + ID_LEN], text[32];
  snprintf(path, sizeof path, "%s/dirty/%s", shadow, f->id);
  if (!on_disk) {
    real_unlink()(path);
    f->marked = 0;
    return;
  }
  if (marked_by_other(f)) f->whole = 1;
  int fd = real_open64()(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) die("cannot mark a file dirty in the shadow");
  int n = snprintf(text, sizeof text, "%d", (int)getpid());
  if (real_write()(fd, text, (size_t)n) != n) die("cannot mark a file dirty in the shadow");
  real_close()(fd);
  f->marked = 1;
}

/* ---- files ---- */

static struct file *find_alive(ino_t ino) {
  for (int i = 0; i < FILES_MAX; i++)
    if (files[i].used && files[i].alive && files[i].ino == ino) return &files[i];
  return NULL;
}

/* The file behind an inode under the root, found or registered. */
static struct file *file_for(ino_t ino, const char *rel) {
  struct file *f = find_alive(ino);
  if (f != NULL) {
    snprintf(f->rel, PATH_MAX, "%s", rel);
    return f;
  }
  for (int i = 0; i < FILES_MAX; i++) {
    if (files[i].used) continue;
    f = &files[i];
    memset(f, 0, sizeof *f);
    f->used = 1;
    f->alive = 1;
    f->ino = ino;
    snprintf(f->rel, PATH_MAX, "%s", rel);
    int shared = shared_id(ino, f->id);
    if (shared == -1 || (shared == 0 && !durable_id(rel, ino, f->id))) {
      /* new to the durable state: an id no earlier inode had; no durable content yet */
      snprintf(f->id, ID_LEN, "%lu.%d.%lu", (unsigned long)ino, (int)getpid(), ++counter);
      note_id(ino, f->id);
    }
    if (marked_by_other(f)) f->whole = 1;
    return f;
  }
  die("too many files under the root");
  return NULL;
}

static void dirty(struct file *f, uint64_t lo, uint64_t hi) {
  if (f == NULL || lo >= hi) return;
  if (!f->marked) set_marker(f, 1);
  if (f->whole) return;
  /* merge with an overlapping or touching range, else append */
  for (int i = 0; i < f->nranges; i++) {
    struct range *r = &f->ranges[i];
    if (lo <= r->hi && hi >= r->lo) {
      if (lo < r->lo) r->lo = lo;
      if (hi > r->hi) r->hi = hi;
      return;
    }
  }
  if (f->nranges == RANGES_MAX) {
    f->whole = 1;
    f->nranges = 0;
    return;
  }
  f->ranges[f->nranges++] = (struct range){lo, hi};
}

static struct file *tracked(int fd) {
  return fd >= 0 && fd < FD_MAX ? fd_file[fd] : NULL;
}

static void copy_range(int src, int dst, uint64_t lo, uint64_t hi) {
  while (lo < hi) {
    size_t want = hi - lo < sizeof copy_buf ? (size_t)(hi - lo) : sizeof copy_buf;
    ssize_t got = real_pread64()(src, copy_buf, want, (off_t)lo);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) die("cannot read a file to make it durable");
    if (got == 0) return;
    ssize_t put = real_pwrite64()(dst, copy_buf, (size_t)got, (off_t)lo);
    if (put != got) die("cannot write the shadow");
    lo += (uint64_t)got;
  }
}

static void log_flush(const char *rel) {
  char path[PATH_MAX], line[PATH_MAX + 2];
  snprintf(path, sizeof path, "%s/flushes", shadow);
  int fd = real_open64()(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) die("cannot write the shadow's flush log");
  int n = snprintf(line, sizeof line, "%s\n", rel);
  if (real_write()(fd, line, (size_t)n) != n) die("cannot write the shadow's flush log");
  real_close()(fd);
}

/* fsync of a file: its current content becomes its durable content. */
static void flush(struct file *f, int fd) {
  char data[PATH_MAX + ID_LEN];
  snprintf(data, sizeof data, "%s/data/%s", shadow, f->id);
  int src = -1;
  if (fd >= 0) {
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0 && (flags & O_ACCMODE) != O_WRONLY) src = real_dup()(fd);
    else {
      char proc[64];
      snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
      src = real_open64()(proc, O_RDONLY | O_CLOEXEC);
    }
  } else {
    char abs[PATH_MAX * 2];
    snprintf(abs, sizeof abs, "%s/%s", root, f->rel);
    src = real_open64()(abs, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (src >= 0 && (fstat(src, &st) != 0 || st.st_ino != f->ino)) {
      real_close()(src);
      return; /* renamed away and replaced: nothing here to flush */
    }
  }
  if (src < 0) die("cannot reopen a file to make it durable");
  struct stat st;
  if (fstat(src, &st) != 0) die("cannot stat a file to make it durable");
  int fresh = access(data, F_OK) != 0;
  int dst = real_open64()(data, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (dst < 0) die("cannot open the shadow");
  uint64_t size = (uint64_t)st.st_size;
  if (fresh || f->whole || f->mapped || marked_by_other(f)) {
    copy_range(src, dst, 0, size);
  } else {
    for (int i = 0; i < f->nranges; i++) {
      uint64_t hi = f->ranges[i].hi < size ? f->ranges[i].hi : size;
      if (f->ranges[i].lo < hi) copy_range(src, dst, f->ranges[i].lo, hi);
    }
  }
  if (real_ftruncate64()(dst, (off_t)size) != 0) die("cannot size the shadow");
  real_close()(dst);
  real_close()(src);
  f->whole = 0;
  f->nranges = 0;
  set_marker(f, 0);
  log_flush(f->rel);
}

/* fsync of a directory (NULL: all): its pending name changes become durable, in order. */
static void flush_dir(const char *dir) {
  char path[PATH_MAX], tmp[PATH_MAX + 8];
  snprintf(path, sizeof path, "%s/pending", shadow);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *in = fopen(path, "r");
  if (in == NULL) return;
  FILE *out = fopen(tmp, "w");
  if (out == NULL) die("cannot rewrite the shadow's pending changes");
  int n = load_names();
  int applied = 0;
  static char line[PATH_MAX * 2 + ID_LEN + 8];
  while (fgets(line, sizeof line, in) != NULL) {
    /* "<L|U>\t<dir>\t<rel>\t<id>\n"; a line torn by a SIGKILL has fewer fields */
    char copy[sizeof line];
    snprintf(copy, sizeof copy, "%s", line);
    char *kind = strtok(copy, "\t\n"), *d = strtok(NULL, "\t\n"), *rel = strtok(NULL, "\t\n");
    char *id = strtok(NULL, "\t\n");
    if (kind == NULL || d == NULL || rel == NULL || id == NULL) continue;
    if (dir != NULL && strcmp(d, dir) != 0) {
      fputs(line, out);
      continue;
    }
    applied = 1;
    for (int j = 0; j < n; j++)
      if (strcmp(names_buf[j].rel, rel) == 0) names_buf[j].rel[0] = '\0';
    if (kind[0] == OP_LINK) {
      if (n == NAMES_MAX) die("too many durable names");
      snprintf(names_buf[n].id, ID_LEN, "%s", id);
      snprintf(names_buf[n].rel, PATH_MAX, "%s", rel);
      n++;
    }
  }
  fclose(in);
  if (fclose(out) != 0) die("cannot rewrite the shadow's pending changes");
  /* names first: a SIGKILL between the two renames applies the changes twice, which is harmless */
  if (applied) save_names(n);
  if (real_rename()(tmp, path) != 0) die("cannot rewrite the shadow's pending changes");
}

static void pending(enum op_kind kind, const char *abs, const char *id) {
  const char *rel = under_root(abs);
  if (rel == NULL) return;
  char dir[PATH_MAX];
  dir_of(abs, dir);
  static char line[PATH_MAX * 2 + ID_LEN + 8];
  snprintf(line, sizeof line, "%c\t%s\t%s\t%s\n", kind, dir, rel, id == NULL ? "-" : id);
  append_line("pending", line);
}

/* The file a name under the root points at now, registered; NULL if none or not regular. */
static struct file *file_at(const char *abs) {
  const char *rel = under_root(abs);
  struct stat st;
  if (rel == NULL || lstat(abs, &st) != 0 || !S_ISREG(st.st_mode)) return NULL;
  return file_for(st.st_ino, rel);
}

/* A name is about to go (unlink, or replaced by rename): its inode dies with its last link. */
static void name_going(const char *abs) {
  struct stat st;
  if (lstat(abs, &st) != 0 || !S_ISREG(st.st_mode)) return;
  if (st.st_nlink <= 1) {
    struct file *f = find_alive(st.st_ino);
    if (f != NULL) f->alive = 0;
    note_id(st.st_ino, "-");
  }
}

/* ---- opening and closing ---- */

static void forget_fd(int fd) {
  if (fd < 0 || fd >= FD_MAX) return;
  fd_file[fd] = NULL;
  fd_sync[fd] = 0;
  free(fd_dir[fd]);
  fd_dir[fd] = NULL;
}

static void opened(int fd, const char *abs, int flags, int existed) {
  if (fd < 0 || fd >= FD_MAX) return;
  forget_fd(fd);
  struct stat st;
  if (fstat(fd, &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    char real[PATH_MAX];
    if (realpath(abs, real) != NULL && (strcmp(real, root) == 0 || under_root(real) != NULL))
      fd_dir[fd] = strdup(real);
    return;
  }
  const char *rel = under_root(abs);
  /* an O_TMPFILE file has no name until linkat gives it one (see relink) */
  if (rel == NULL || !S_ISREG(st.st_mode) || (flags & __O_TMPFILE) == __O_TMPFILE) return;
  struct file *f = file_for(st.st_ino, rel);
  fd_file[fd] = f;
  fd_sync[fd] = (flags & (O_SYNC | O_DSYNC)) != 0;
  if (!existed) pending(OP_LINK, abs, f->id);
  if ((flags & O_TRUNC) != 0) dirty(f, 0, END);
}

static int open_common(int dirfd, const char *path, int flags, mode_t mode, int at, int large) {
  if (!on()) {
    if (at) return (large ? real_openat64() : real_openat())(dirfd, path, flags, mode);
    return (large ? real_open64() : real_open())(path, flags, mode);
  }
  pthread_mutex_lock(&lock);
  char abs[PATH_MAX];
  int known = resolve(at ? dirfd : AT_FDCWD, path, abs);
  struct stat st;
  int existed = known && lstat(abs, &st) == 0;
  int fd = at ? (large ? real_openat64() : real_openat())(dirfd, path, flags, mode)
              : (large ? real_open64() : real_open())(path, flags, mode);
  if (fd >= 0 && known) opened(fd, abs, flags, existed);
  pthread_mutex_unlock(&lock);
  return fd;
}

static mode_t mode_arg(int flags, va_list ap) {
  return (flags & (O_CREAT | __O_TMPFILE)) != 0 ? (mode_t)va_arg(ap, int) : 0;
}

/* open, open64, openat, openat64: the mode argument is there only with O_CREAT or O_TMPFILE. */
#define OPEN_WRAPPER(name, params, dirfd, at, large)                                               \
  int name params {                                                                                \
    va_list ap;                                                                                    \
    va_start(ap, flags);                                                                           \
    mode_t mode = mode_arg(flags, ap);                                                             \
    va_end(ap);                                                                                    \
    return open_common(dirfd, path, flags, mode, at, large);                                       \
  }

OPEN_WRAPPER(open, (const char *path, int flags, ...), AT_FDCWD, 0, 0)
OPEN_WRAPPER(open64, (const char *path, int flags, ...), AT_FDCWD, 0, 1)
OPEN_WRAPPER(openat, (int dirfd, const char *path, int flags, ...), dirfd, 1, 0)
OPEN_WRAPPER(openat64, (int dirfd, const char *path, int flags, ...), dirfd, 1, 1)

int creat(const char *path, mode_t mode) {
  return open_common(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, 0, 0);
}

int creat64(const char *path, mode_t mode) {
  return open_common(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, 0, 1);
}

int close(int fd) {
  if (on()) {
    pthread_mutex_lock(&lock);
    forget_fd(fd);
    pthread_mutex_unlock(&lock);
  }
  return real_close()(fd);
}

static int duplicated(int from, int to) {
  if (to >= 0 && to < FD_MAX && from >= 0 && from < FD_MAX && on()) {
    pthread_mutex_lock(&lock);
    forget_fd(to);
    fd_file[to] = fd_file[from];
    fd_sync[to] = fd_sync[from];
    if (fd_dir[from] != NULL) fd_dir[to] = strdup(fd_dir[from]);
    pthread_mutex_unlock(&lock);
  }
  return to;
}

int dup(int fd) {
  return duplicated(fd, real_dup()(fd));
}

int dup2(int fd, int to) {
  int r = real_dup2()(fd, to);
  return r == to && fd != to ? duplicated(fd, r) : r;
}

int dup3(int fd, int to, int flags) {
  return duplicated(fd, real_dup3()(fd, to, flags));
}

/* ---- writing ---- */

static void flush_locked(struct file *f, int fd);

/* After a write of `n` bytes at `off` (or at the file position when off < 0). */
static void wrote(int fd, ssize_t n, off_t off) {
  if (n <= 0 || !on()) return;
  pthread_mutex_lock(&lock);
  struct file *f = tracked(fd);
  if (f != NULL) {
    if (off < 0) {
      off_t end = lseek(fd, 0, SEEK_CUR);
      if (end < 0) dirty(f, 0, END);
      else dirty(f, (uint64_t)end - (uint64_t)n, (uint64_t)end);
    } else {
      dirty(f, (uint64_t)off, (uint64_t)off + (uint64_t)n);
    }
    if (fd_sync[fd]) flush_locked(f, fd);
  }
  pthread_mutex_unlock(&lock);
}

ssize_t write(int fd, const void *buf, size_t count) {
  ssize_t n = real_write()(fd, buf, count);
  wrote(fd, n, -1);
  return n;
}

ssize_t writev(int fd, const struct iovec *iov, int cnt) {
  ssize_t n = real_writev()(fd, iov, cnt);
  wrote(fd, n, -1);
  return n;
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t off) {
  ssize_t n = real_pwrite()(fd, buf, count, off);
  wrote(fd, n, off);
  return n;
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off64_t off) {
  ssize_t n = real_pwrite64()(fd, buf, count, off);
  wrote(fd, n, off);
  return n;
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off) {
  ssize_t n = real_pwritev()(fd, iov, cnt, off);
  wrote(fd, n, off);
  return n;
}

ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off64_t off) {
  ssize_t n = real_pwritev64()(fd, iov, cnt, off);
  wrote(fd, n, off);
  return n;
}

static void synced_write(int fd, int flags) {
  if ((flags & (RWF_SYNC | RWF_DSYNC)) == 0 || !on()) return;
  pthread_mutex_lock(&lock);
  struct file *f = tracked(fd);
  if (f != NULL) flush_locked(f, fd);
  pthread_mutex_unlock(&lock);
}

ssize_t pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags) {
  ssize_t n = real_pwritev2()(fd, iov, cnt, off, flags);
  wrote(fd, n, off);
  if (n > 0) synced_write(fd, flags);
  return n;
}

ssize_t pwritev64v2(int fd, const struct iovec *iov, int cnt, off64_t off, int flags) {
  ssize_t n = real_pwritev64v2()(fd, iov, cnt, off, flags);
  wrote(fd, n, off);
  if (n > 0) synced_write(fd, flags);
  return n;
}

ssize_t sendfile(int out, int in, off_t *offset, size_t count) {
  ssize_t n = real_sendfile()(out, in, offset, count);
  wrote(out, n, -1);
  return n;
}

ssize_t sendfile64(int out, int in, off64_t *offset, size_t count) {
  ssize_t n = real_sendfile64()(out, in, offset, count);
  wrote(out, n, -1);
  return n;
}

ssize_t copy_file_range(int in, off64_t *off_in, int out, off64_t *off_out, size_t len, unsigned flags) {
  ssize_t n = real_copy_file_range()(in, off_in, out, off_out, len, flags);
  if (n > 0) wrote(out, n, off_out == NULL ? -1 : *off_out - n);
  return n;
}

/* A change of size: everything from the lower of the two sizes on may differ. */
static void resized(int fd, off_t from) {
  if (!on()) return;
  pthread_mutex_lock(&lock);
  struct file *f = tracked(fd);
  if (f != NULL) dirty(f, from < 0 ? 0 : (uint64_t)from, END);
  pthread_mutex_unlock(&lock);
}

static off_t size_of(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 ? st.st_size : 0;
}

int ftruncate(int fd, off_t len) {
  off_t before = size_of(fd);
  int r = real_ftruncate()(fd, len);
  if (r == 0) resized(fd, len < before ? len : before);
  return r;
}

int ftruncate64(int fd, off64_t len) {
  off_t before = size_of(fd);
  int r = real_ftruncate64()(fd, len);
  if (r == 0) resized(fd, len < before ? len : before);
  return r;
}

static int truncate_common(const char *path, off_t len, int large) {
  if (!on()) return (large ? real_truncate64() : real_truncate())(path, len);
  pthread_mutex_lock(&lock);
  char abs[PATH_MAX];
  struct file *f = resolve(AT_FDCWD, path, abs) ? file_at(abs) : NULL;
  int r = (large ? real_truncate64() : real_truncate())(path, len);
  if (r == 0 && f != NULL) dirty(f, 0, END);
  pthread_mutex_unlock(&lock);
  return r;
}

int truncate(const char *path, off_t len) {
  return truncate_common(path, len, 0);
}

int truncate64(const char *path, off64_t len) {
  return truncate_common(path, len, 1);
}

int fallocate(int fd, int mode, off_t off, off_t len) {
  int r = real_fallocate()(fd, mode, off, len);
  if (r == 0) resized(fd, off);
  return r;
}

int fallocate64(int fd, int mode, off64_t off, off64_t len) {
  int r = real_fallocate64()(fd, mode, off, len);
  if (r == 0) resized(fd, off);
  return r;
}

int posix_fallocate(int fd, off_t off, off_t len) {
  int r = real_posix_fallocate()(fd, off, len);
  if (r == 0) resized(fd, off);
  return r;
}

int posix_fallocate64(int fd, off64_t off, off64_t len) {
  int r = real_posix_fallocate64()(fd, off, len);
  if (r == 0) resized(fd, off);
  return r;
}

/* ---- mappings ---- */

static void mapped(void *addr, size_t len, int prot, int flags, int fd) {
  if (addr == MAP_FAILED || (prot & PROT_WRITE) == 0 || (flags & MAP_SHARED) == 0 || !on()) return;
  pthread_mutex_lock(&lock);
  struct file *f = tracked(fd);
  if (f != NULL) {
    f->mapped = 1;
    for (int i = 0; i < MAPS_MAX; i++) {
      if (maps[i].file != NULL) continue;
      maps[i] = (struct mapping){addr, len, f};
      break;
    }
  }
  pthread_mutex_unlock(&lock);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
  void *p = real_mmap()(addr, len, prot, flags, fd, off);
  mapped(p, len, prot, flags, fd);
  return p;
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off) {
  void *p = real_mmap64()(addr, len, prot, flags, fd, off);
  mapped(p, len, prot, flags, fd);
  return p;
}

int munmap(void *addr, size_t len) {
  if (on()) {
    pthread_mutex_lock(&lock);
    for (int i = 0; i < MAPS_MAX; i++)
      if (maps[i].file != NULL && maps[i].addr == addr) maps[i].file = NULL;
    pthread_mutex_unlock(&lock);
  }
  return real_munmap()(addr, len);
}

int msync(void *addr, size_t len, int flags) {
  int r = real_msync()(addr, len, flags);
  if (r == 0 && (flags & MS_SYNC) != 0 && on()) {
    pthread_mutex_lock(&lock);
    for (int i = 0; i < MAPS_MAX; i++) {
      struct mapping *m = &maps[i];
      if (m->file != NULL && (char *)addr < (char *)m->addr + m->len &&
          (char *)addr + len > (char *)m->addr)
        flush_locked(m->file, -1);
    }
    pthread_mutex_unlock(&lock);
  }
  return r;
}

/* ---- making things durable ---- */

static void flush_locked(struct file *f, int fd) {
  flush(f, fd);
}

static int fsync_common(int fd, int data_only) {
  if (on()) {
    pthread_mutex_lock(&lock);
    struct file *f = tracked(fd);
    if (f != NULL) flush(f, fd);
    else if (fd >= 0 && fd < FD_MAX && fd_dir[fd] != NULL) flush_dir(fd_dir[fd]);
    pthread_mutex_unlock(&lock);
  }
  return data_only ? real_fdatasync()(fd) : real_fsync()(fd);
}

int fsync(int fd) {
  return fsync_common(fd, 0);
}

int fdatasync(int fd) {
  return fsync_common(fd, 1);
}

static void flush_everything(void) {
  pthread_mutex_lock(&lock);
  for (int i = 0; i < FILES_MAX; i++)
    if (files[i].used && files[i].alive) flush(&files[i], -1);
  flush_dir(NULL);
  pthread_mutex_unlock(&lock);
}

void sync(void) {
  if (on()) flush_everything();
  real_sync()();
}

int syncfs(int fd) {
  if (on()) flush_everything();
  return real_syncfs()(fd);
}

/* ---- names ---- */

static int unlink_common(int dirfd, const char *path, int flags, int how) {
  int tracking = on();
  char abs[PATH_MAX];
  if (tracking) pthread_mutex_lock(&lock);
  int known = tracking && resolve(dirfd, path, abs);
  if (known) name_going(abs);
  int r = how == 0   ? real_unlink()(path)
          : how == 1 ? real_unlinkat()(dirfd, path, flags)
                     : real_remove()(path);
  if (r == 0 && known) pending(OP_UNLINK, abs, NULL);
  if (tracking) pthread_mutex_unlock(&lock);
  return r;
}

int unlink(const char *path) {
  return unlink_common(AT_FDCWD, path, 0, 0);
}

int unlinkat(int dirfd, const char *path, int flags) {
  return unlink_common(dirfd, path, flags, 1);
}

int remove(const char *path) {
  return unlink_common(AT_FDCWD, path, 0, 2);
}

/* rename and link: the new name points at the source's file once its directory is synced. */
static int relink(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int how,
                  unsigned flags) {
  int tracking = on();
  char from[PATH_MAX], to[PATH_MAX];
  if (tracking) pthread_mutex_lock(&lock);
  int known = tracking && resolve(olddirfd, oldpath, from) && resolve(newdirfd, newpath, to);
  int renaming = how <= 2;
  if (known) {
    /* register the source first: its file keeps its id under the new name */
    file_at(from);
    struct stat a, b;
    int same = lstat(from, &a) == 0 && lstat(to, &b) == 0 && a.st_ino == b.st_ino;
    if (renaming && !same) name_going(to);
  }
  int r;
  switch (how) {
    case 0: r = real_rename()(oldpath, newpath); break;
    case 1: r = real_renameat()(olddirfd, oldpath, newdirfd, newpath); break;
    case 2: r = real_renameat2()(olddirfd, oldpath, newdirfd, newpath, flags); break;
    case 3: r = real_link()(oldpath, newpath); break;
    default: r = real_linkat()(olddirfd, oldpath, newdirfd, newpath, (int)flags); break;
  }
  if (r == 0 && known) {
    /* the old name goes first, so that renaming a name onto itself keeps it */
    if (renaming) pending(OP_UNLINK, from, NULL);
    struct file *g = file_at(to);
    if (g != NULL) pending(OP_LINK, to, g->id);
    else pending(OP_UNLINK, to, NULL); /* something not modelled (a directory) replaced it */
  }
  if (tracking) pthread_mutex_unlock(&lock);
  return r;
}

int rename(const char *oldpath, const char *newpath) {
  return relink(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0, 0);
}

int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath) {
  return relink(olddirfd, oldpath, newdirfd, newpath, 1, 0);
}

int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned flags) {
  return relink(olddirfd, oldpath, newdirfd, newpath, 2, flags);
}

int link(const char *oldpath, const char *newpath) {
  return relink(AT_FDCWD, oldpath, AT_FDCWD, newpath, 3, 0);
}

int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags) {
  return relink(olddirfd, oldpath, newdirfd, newpath, 4, (unsigned)flags);
}
