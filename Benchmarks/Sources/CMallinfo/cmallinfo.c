#include "cmallinfo.h"
#include <malloc.h>

cmallinfo_heap cmallinfo_read(void) {
    struct mallinfo2 info = mallinfo2();
    cmallinfo_heap heap = {info.uordblks, info.fordblks, info.arena, info.hblkhd};
    return heap;
}

int cmallinfo_trim(void) { return malloc_trim(0); }
