/* btl-config-panel.h — the configuration sidebar of the Train page.
 *
 * Every control validates its own key with nn_config_set(): a refused value
 * leaves the configuration unchanged and shows the engine's reason under the
 * control. The whole configuration is then checked with nn_config_validate()
 * and previewed layer by layer.
 */
#pragma once

#include <gtk/gtk.h>

#include "nn.h"

G_BEGIN_DECLS

#define BTL_TYPE_CONFIG_PANEL (btl_config_panel_get_type ())

G_DECLARE_FINAL_TYPE (BtlConfigPanel, btl_config_panel, BTL, CONFIG_PANEL, GtkWidget)

GtkWidget *btl_config_panel_new            (void);
/* Copies the current configuration into cfg; returns whether it is valid. */
gboolean   btl_config_panel_get_config     (BtlConfigPanel *self,
                                            NnConfig       *cfg);
void       btl_config_panel_set_config     (BtlConfigPanel *self,
                                            const NnConfig *cfg);
gboolean   btl_config_panel_is_valid       (BtlConfigPanel *self);
/* Takes in what is typed but not entered yet in the focused field (a spin
 * button reads its text on Enter or focus-out only): Ctrl+Return trains
 * with what the sidebar shows. */
void       btl_config_panel_commit         (BtlConfigPanel *self);
/* Sets in_channels/height/width (and a dense architecture's input size). */
void       btl_config_panel_set_input_shape(BtlConfigPanel *self,
                                            int             channels,
                                            int             height,
                                            int             width);
/* While training only the live keys (lr, noise level, β) stay editable. */
void       btl_config_panel_set_training   (BtlConfigPanel *self,
                                            gboolean        training);
int        btl_config_panel_get_train_limit(BtlConfigPanel *self);
void       btl_config_panel_set_train_limit(BtlConfigPanel *self,
                                            int             limit);
/* A folder of pictures is the data set: show its tile size and colours
 * (hidden otherwise). Changing them emits "folder-options-changed". */
void       btl_config_panel_set_picture_folder (BtlConfigPanel *self,
                                                gboolean        folder);
/* tile: the square tile size in pixels (4..256, default 32); channels: 0 =
 * automatic, 1 = gray, 3 = RGB. Either may be NULL. */
void       btl_config_panel_get_folder_options (BtlConfigPanel *self,
                                                int            *tile,
                                                int            *channels);
/* For tests: the control of a key ("lr", "arch", "batch", …) or NULL. */
GtkWidget *btl_config_panel_get_control    (BtlConfigPanel *self,
                                            const char     *key);

G_END_DECLS
