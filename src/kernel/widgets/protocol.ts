/** Names and versions of the Jupyter widget messaging protocol this kernel speaks (ipywidgets 8). */

/** Widget protocol version, sent in every widget comm_open's metadata. */
export const WIDGET_PROTOCOL_VERSION = '2.1.0';
/** Version of the widget manager's control-comm protocol (request_states / update_states). */
export const CONTROL_PROTOCOL_VERSION = '1.0.0';
/** Comm target of widget models. */
export const WIDGET_TARGET = 'jupyter.widget';
/** Comm target the front end's widget manager opens to fetch every live model's state at connect. */
export const CONTROL_TARGET = 'jupyter.widget.control';
/** Mime type of a widget view in display_data. */
export const WIDGET_VIEW_MIME = 'application/vnd.jupyter.widget-view+json';
