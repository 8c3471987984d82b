export {
  compileTemplate,
  RENDER_LIMITS,
  renderTemplate,
  TemplateRenderError,
  TemplateSyntaxError,
  type CompiledTemplate,
  type HelperFn,
  type HelperOptions,
  type RenderOptions,
  type SourcePosition,
  type TemplateDelegate,
  type TemplateRenderErrorCode,
} from "./renderer.js";
export { defaultHelpers } from "./helpers.js";
