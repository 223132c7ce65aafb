/* btl-model-info-private.h — the INFO chunk's text form, shared by
 * btl-model-file.c and btl-model-info.c. */
#pragma once

#include "btl-model-file.h"

G_BEGIN_DECLS

/* "key=value\n" lines; doubles as g_ascii_dtostr (exact round trip);
 * created = now when info->created is 0. Free with g_free(). */
char *btl_model_info_to_text (const BtlModelInfo *info);

/* Fills the known keys of info from such text (not NUL-terminated);
 * unknown keys and malformed lines are ignored, unparsable numbers give NaN. */
void  btl_model_info_parse_text (BtlModelInfo *info,
                                 const char   *data,
                                 gsize         len);

G_END_DECLS
