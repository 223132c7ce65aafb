/* btl-mapped-file.h — mapping a file that a reader is about to parse. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Maps path read-only like g_mapped_file_new(), but only a regular file:
 * a FIFO is refused without waiting for a writer (opening it for reading
 * would block), and a device or directory with a clear message instead of
 * mmap()'s. Errors: G_FILE_ERROR, naming the file. */
GMappedFile *btl_mapped_file_new (const char  *path,
                                  GError     **error);

G_END_DECLS
