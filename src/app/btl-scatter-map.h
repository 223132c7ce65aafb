/* btl-scatter-map.h — a 2-D map of latent codes, coloured by class.
 *
 * Thousands of points are drawn once into a cached surface; hover, the
 * selection and the "you are here" marker are drawn over it each frame.
 * Signals:
 *   "point-hovered"    (int index)       the point under the pointer, -1 when none
 *   "point-activated"  (int index)       a click on a point (it also becomes selected)
 *   "position-dragged" (double x, double y)  data coordinates while dragging on
 *                                        empty space or on the marker (the marker follows) */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define BTL_TYPE_SCATTER_MAP (btl_scatter_map_get_type ())

G_DECLARE_FINAL_TYPE (BtlScatterMap, btl_scatter_map, BTL, SCATTER_MAP, GtkWidget)

GtkWidget *btl_scatter_map_new             (void);

/* xy is (n, 2); classes (n) and class_names (NULL-terminated) are nullable.
 * All copied. Non-finite points are kept (indices stay valid) but not drawn. */
void       btl_scatter_map_set_points      (BtlScatterMap      *self,
                                            const float        *xy,
                                            const guint8       *classes,
                                            int                 n,
                                            const char *const  *class_names);
void       btl_scatter_map_set_axis_labels (BtlScatterMap      *self,
                                            const char         *x_label,
                                            const char         *y_label);
void       btl_scatter_map_set_marker      (BtlScatterMap      *self,
                                            double              x,
                                            double              y,
                                            gboolean            visible);
void       btl_scatter_map_set_selected    (BtlScatterMap      *self,
                                            int                 index);
int        btl_scatter_map_get_selected    (BtlScatterMap      *self);
int        btl_scatter_map_get_n_points    (BtlScatterMap      *self);
/* How many times the map under the selection, marker and readout was drawn
 * (for tests and benchmarks: moving those does not draw it again). */
guint      btl_scatter_map_get_n_base_draws (BtlScatterMap     *self);

/* The nearest drawn point within a few pixels of (widget_x, widget_y), or -1.
 * Mapping uses the layout of the last frame drawn. */
int        btl_scatter_map_point_at        (BtlScatterMap      *self,
                                            double              widget_x,
                                            double              widget_y);
void       btl_scatter_map_data_to_widget  (BtlScatterMap      *self,
                                            double              x,
                                            double              y,
                                            double             *wx,
                                            double             *wy);
void       btl_scatter_map_widget_to_data  (BtlScatterMap      *self,
                                            double              wx,
                                            double              wy,
                                            double             *x,
                                            double             *y);

/* PNG at 2× pixel density, written atomically. */
gboolean   btl_scatter_map_export_png      (BtlScatterMap      *self,
                                            const char         *path,
                                            GError            **error);

G_END_DECLS
