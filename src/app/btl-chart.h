/* btl-chart.h — drawing helpers shared by Bottleneck's chart widgets
 * (BtlLossPlot, BtlImageGrid, BtlScatterMap, BtlHistogram, BtlRdChart).
 *
 * Each widget has ONE drawing function taking a BtlCanvas. On screen the
 * canvas wraps a GtkSnapshot: filled rectangles become colour nodes and
 * everything else goes through cairo nodes, opened and closed on demand so
 * painter's order is kept. For export the same function draws into a cairo
 * PNG or SVG surface, so a saved chart looks exactly like the one on screen
 * (with a white background and dark ink, whatever the theme). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct
{
  /* private */
  GtkSnapshot          *snapshot;  /* NULL when exporting */
  cairo_t              *cr;        /* export: the target; snapshot: open layer or NULL */
  PangoFontDescription *font;      /* owned */
  PangoContext         *pango;     /* owned; measures and lays out all text */

  /* public, read-only */
  double                width;
  double                height;
  GdkRGBA               fg;        /* the theme's foreground (ink) */
  GdkRGBA               accent;    /* the theme's accent */
  GdkRGBA               bg;        /* an opaque-ish background for readouts */
  gboolean              exporting;
} BtlCanvas;

/* What a widget draws with. */
typedef void (*BtlChartDrawFunc) (GtkWidget *widget,
                                  BtlCanvas *canvas);

void      btl_canvas_init_snapshot (BtlCanvas         *canvas,
                                    GtkWidget         *widget,
                                    GtkSnapshot       *snapshot);
/* Ends the open cairo layer and frees what the canvas owns. */
void      btl_canvas_finish        (BtlCanvas         *canvas);

/* A cairo context for the whole canvas; painter's order with fill_rect is kept. */
cairo_t  *btl_canvas_cairo         (BtlCanvas         *canvas);
void      btl_canvas_fill_rect     (BtlCanvas         *canvas,
                                    double             x,
                                    double             y,
                                    double             width,
                                    double             height,
                                    const GdkRGBA     *color);
/* fg with its alpha multiplied by alpha. */
GdkRGBA   btl_canvas_ink           (const BtlCanvas   *canvas,
                                    double             alpha);

/* Text through pango: (x, y) is the anchor, align_x/align_y in 0..1 place the
 * text relative to it (0 = left/top, 0.5 = centre, 1 = right/bottom).
 * size_scale scales the widget's font (0.85 for tick labels). */
void      btl_canvas_text          (BtlCanvas         *canvas,
                                    double             x,
                                    double             y,
                                    const char        *text,
                                    double             align_x,
                                    double             align_y,
                                    double             size_scale,
                                    gboolean           bold,
                                    const GdkRGBA     *color);
/* Text on a rounded background patch (canvas->bg), for labels over data. */
void      btl_canvas_label         (BtlCanvas         *canvas,
                                    double             x,
                                    double             y,
                                    const char        *text,
                                    double             align_x,
                                    double             align_y,
                                    double             size_scale,
                                    const GdkRGBA     *color);
/* Same, rotated 90° counter-clockwise (for y axis titles). */
void      btl_canvas_text_vertical (BtlCanvas         *canvas,
                                    double             x,
                                    double             y,
                                    const char        *text,
                                    double             size_scale,
                                    const GdkRGBA     *color);
/* A chart's "nothing yet" text: centred, faint, broken into lines to fit. */
void      btl_canvas_placeholder   (BtlCanvas         *canvas,
                                    const char        *text);
void      btl_canvas_text_size     (BtlCanvas         *canvas,
                                    const char        *text,
                                    double             size_scale,
                                    double            *width,
                                    double            *height);

/* ---- axes (btl-chart-axis.c) ------------------------------------------- */

/* Text sizes relative to the widget's font. */
#define BTL_CHART_TICK_SCALE  0.85
#define BTL_CHART_TITLE_SCALE 0.92

#define BTL_AXIS_MAX_TICKS 32

typedef struct
{
  double   min, max;    /* data range */
  gboolean log;         /* log10 mapping; min must be > 0 */
  double   px0, px1;    /* pixel positions of min and max (px1 < px0 for y) */
} BtlAxis;

typedef struct
{
  double value;
  char   label[32];
  gboolean major;       /* minor ticks (log axes) have no label */
} BtlTick;

/* Sets min/max from data, padded and (for linear axes) widened to nice ticks.
 * Non-finite or empty input gives 0..1 (1..10 for log). */
void      btl_axis_set_range       (BtlAxis           *axis,
                                    double             data_min,
                                    double             data_max,
                                    gboolean           log,
                                    gboolean           include_zero);
double    btl_axis_map             (const BtlAxis     *axis,
                                    double             value);
double    btl_axis_unmap           (const BtlAxis     *axis,
                                    double             pixel);
/* 1-2-5 ticks (decades, then 2 and 5 multiples, on log axes); returns how many. */
int       btl_axis_ticks           (const BtlAxis     *axis,
                                    int                max_major,
                                    BtlTick           *ticks,
                                    int                capacity);
/* Short human form of v given the spacing of its neighbours ("0.25", "2e-4", "−3"). */
void      btl_format_number        (char              *buf,
                                    gsize              size,
                                    double             value,
                                    double             step);

/* Lays out the plot area inside the canvas (top_reserved and right_reserved
 * px left free for a legend), sets x->px0/px1 and y->px0/px1, and draws grid,
 * axes, tick labels and the titles. Returns the plot area. */
graphene_rect_t btl_chart_draw_frame (BtlCanvas       *canvas,
                                      BtlAxis         *x,
                                      BtlAxis         *y,
                                      const char      *x_title,
                                      const char      *y_title,
                                      double           top_reserved,
                                      double           right_reserved);

/* ---- legend ------------------------------------------------------------ */

typedef enum
{
  BTL_LEGEND_LINE,
  BTL_LEGEND_THIN_LINE,
  BTL_LEGEND_DASH,
  BTL_LEGEND_DOT,
  BTL_LEGEND_BAND,
  BTL_LEGEND_BOX,
  BTL_LEGEND_POINT,
} BtlLegendStyle;

typedef struct
{
  const char     *label;
  GdkRGBA         color;
  BtlLegendStyle  style;
  guint           shape;   /* BTL_LEGEND_DOT: btl_chart_marker_path() shape */
} BtlLegendItem;

/* A legend as rows of items starting at (x, y), wrapping at max_width.
 * With draw = FALSE only measures. Returns the height. */
double    btl_chart_legend         (BtlCanvas          *canvas,
                                    const BtlLegendItem *items,
                                    int                 n_items,
                                    double              x,
                                    double              y,
                                    double              max_width,
                                    gboolean            draw);

/* Point markers that differ in shape as well as colour (for colour-blind
 * readers): circle, square, triangle, diamond, then around again. Adds a
 * closed path of radius r around (x, y). */
void      btl_chart_marker_path    (cairo_t               *cr,
                                    guint                  shape,
                                    double                 x,
                                    double                 y,
                                    double                 r);

/* A hover readout: a rounded box with (multi-line, pango-markup) text placed
 * beside (x, y) and kept inside bounds. */
void      btl_chart_readout        (BtlCanvas             *canvas,
                                    double                 x,
                                    double                 y,
                                    const char            *markup,
                                    const graphene_rect_t *bounds);

/* ---- palette and export ------------------------------------------------ */

/* Colour-blind-safe categorical colours (Okabe–Ito, then Tol's wine, olive
 * and grey): index wraps around after 10. */
#define BTL_CHART_N_COLORS 10
GdkRGBA   btl_chart_color          (guint              index);

/* Renders draw into path (.png at 2× pixel density, or .svg when allowed)
 * at the widget's size (or default_width × default_height when it has
 * none), atomically. */
gboolean  btl_chart_export         (GtkWidget         *widget,
                                    BtlChartDrawFunc   draw,
                                    const char        *path,
                                    gboolean           allow_svg,
                                    int                default_width,
                                    int                default_height,
                                    GError           **error);

G_END_DECLS
