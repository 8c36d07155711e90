// Drops, before a fork loop, the page-table entries of pages that are present in a
// private file mapping and were never written (issue 14). fork copies every PTE of a
// mapping that has anonymous pages (a written writable segment, a relocated RELRO
// range); the Swift static libraries put tens of MiB of read-only data in the writable
// segment, so every buyer would copy and tear down PTEs of pages it only ever reads.
//
// A page of a private file mapping that was ever written is an anonymous copy:
// /proc/self/pagemap shows it without bit 61 ("file page or shared anon"). Only pages
// with bits 63 (present) and 61 (file) set are dropped; MADV_DONTNEED on such a page
// unmaps it and the next access faults it in again from the page cache, with the same
// contents. Between reading a page's pagemap entry and the madvise this code writes
// only its stack (anonymous): the window cannot turn a checked page into a written one.
// The process must be single-threaded (the runner checks before forking).
#define _GNU_SOURCE
#include "CTicketRush.h"
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

#ifdef __linux__
#define PM_PRESENT (1ULL << 63)
#define PM_FILE (1ULL << 61)
#define PM_BATCH 512

static unsigned long parse_hex(const char **p) {
    unsigned long v = 0;
    for (;;) {
        char c = **p;
        if (c >= '0' && c <= '9') v = v * 16 + (unsigned long)(c - '0');
        else if (c >= 'a' && c <= 'f') v = v * 16 + (unsigned long)(c - 'a' + 10);
        else break;
        (*p)++;
    }
    return v;
}

/// One line of /proc/self/maps: "start-end perms offset dev inode path". Drops the clean
/// file pages of a private, non-executable file mapping; returns how many it dropped.
static long drop_line(int pagemap, const char *line, long page, unsigned long lo, unsigned long hi) {
    const char *p = line;
    unsigned long start = parse_hex(&p);
    if (*p++ != '-') return 0;
    unsigned long end = parse_hex(&p);
    if (*p++ != ' ') return 0;
    if (start < lo) start = lo;
    if (end > hi) end = hi;
    if (start >= end) return 0;
    char perms[4];
    for (int i = 0; i < 4; i++) { if (!*p) return 0; perms[i] = *p++; }
    // Shared mappings are not copied by fork; executable text has no anonymous pages
    // (fork skips it) and is what this code runs from.
    if (perms[3] != 'p' || perms[2] == 'x' || perms[0] != 'r') return 0;
    // offset, dev, inode: a file mapping has a nonzero inode.
    while (*p == ' ') p++;
    while (*p && *p != ' ') p++;  // offset
    while (*p == ' ') p++;
    while (*p && *p != ' ') p++;  // dev
    while (*p == ' ') p++;
    unsigned long inode = 0;
    while (*p >= '0' && *p <= '9') inode = inode * 10 + (unsigned long)(*p++ - '0');
    if (inode == 0) return 0;

    long dropped = 0;
    uint64_t entries[PM_BATCH];
    for (unsigned long at = start; at < end;) {
        unsigned long count = (end - at) / (unsigned long)page;
        if (count > PM_BATCH) count = PM_BATCH;
        off_t off = (off_t)(at / (unsigned long)page) * 8;
        ssize_t n = pread(pagemap, entries, count * 8, off);
        if (n <= 0) return dropped;
        count = (unsigned long)n / 8;
        unsigned long run = 0;  // first page of the current run of clean file pages, or 0
        for (unsigned long i = 0; i <= count; i++) {
            int clean = i < count && (entries[i] & (PM_PRESENT | PM_FILE)) == (PM_PRESENT | PM_FILE);
            unsigned long addr = at + i * (unsigned long)page;
            if (clean && !run) run = addr;
            if (!clean && run) {
                if (madvise((void *)run, addr - run, MADV_DONTNEED) == 0) dropped += (long)((addr - run) / (unsigned long)page);
                run = 0;
            }
        }
        at += count * (unsigned long)page;
    }
    return dropped;
}
#endif

long tr_drop_clean_file_pages(void) {
    return tr_drop_clean_file_pages_in(0, (const void *)~(uintptr_t)0);
}

long tr_drop_clean_file_pages_in(const void *from, const void *to) {
#ifdef __linux__
    long page = sysconf(_SC_PAGESIZE);
    unsigned long lo = (unsigned long)(uintptr_t)from & ~(unsigned long)(page - 1);
    unsigned long hi = (unsigned long)(uintptr_t)to;
    int maps = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (maps < 0) return -1;
    int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (pagemap < 0) { int e = errno; close(maps); errno = e; return -1; }
    long dropped = 0;
    char buf[8192];
    size_t have = 0;
    for (;;) {
        ssize_t n = read(maps, buf + have, sizeof buf - 1 - have);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        have += (size_t)n;
        buf[have] = 0;
        char *line = buf;
        char *nl;
        while ((nl = memchr(line, '\n', have - (size_t)(line - buf))) != NULL) {
            *nl = 0;
            dropped += drop_line(pagemap, line, page, lo, hi);
            line = nl + 1;
        }
        have -= (size_t)(line - buf);
        memmove(buf, line, have);
        if (have == sizeof buf - 1) have = 0;  // a line longer than the buffer: skip it
    }
    close(maps);
    close(pagemap);
    return dropped;
#else
    (void)from; (void)to;
    return 0;
#endif
}
