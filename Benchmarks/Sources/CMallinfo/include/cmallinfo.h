// glibc's heap statistics for AbuseServer: Swift's Glibc module does not expose mallinfo2().
#ifndef CMALLINFO_H
#define CMALLINFO_H
#include <stddef.h>

/// mallinfo2(), summed over every arena, in bytes.
typedef struct {
    size_t in_use;    ///< uordblks: allocated by malloc and not freed
    size_t free;      ///< fordblks: free chunks the heap keeps
    size_t arena;     ///< arena: non-mmapped heap space obtained from the system
    size_t mmapped;   ///< hblkhd: space in mmapped chunks
} cmallinfo_heap;

cmallinfo_heap cmallinfo_read(void);

/// malloc_trim(0): gives free heap pages back to the system; 1 when some were released.
int cmallinfo_trim(void);

#endif
