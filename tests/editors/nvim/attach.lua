-- (a) setup() starts the server for shop/views.py; INT001 appears at line 15.
local T = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "common.lua"))

T.run(function(result)
  local bufnr = T.open_with_diagnostics(result)
  result.buffer = vim.api.nvim_buf_get_name(bufnr)
  result.nvim_version = tostring(vim.version())
  result.has_0_11 = vim.fn.has("nvim-0.11") == 1
  result.uses_lsp_config = require("backend_lens").uses_lsp_config()
  result.lsp_config_enabled = vim.lsp.is_enabled and vim.lsp.is_enabled("backend_lens") or false
  local found, autocmds = pcall(vim.api.nvim_get_autocmds, { group = "backend_lens", event = "FileType" })
  result.own_filetype_autocmds = found and #autocmds or 0
end)
