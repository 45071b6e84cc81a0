-- (d) :checkhealth backend_lens, with the working server, or (BL_MISSING_CMD) a missing
-- one, or (BL_NO_SERVER) a command that does not start.
local T = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "common.lua"))

T.run(function(result)
  if vim.env.BL_MISSING_CMD or vim.env.BL_NO_SERVER then
    local opts = vim.env.BL_MISSING_CMD and { cmd = vim.json.decode(vim.env.BL_MISSING_CMD) } or {}
    local bufnr = T.setup_and_open(opts)
    -- give a (wrong) start a chance to happen before checking
    vim.wait(300, function()
      return #vim.lsp.get_clients({ bufnr = bufnr }) > 0
    end, 20)
    result.clients = T.clients(bufnr)
  else
    T.open_with_diagnostics(result)
  end
  result.cmd = require("backend_lens").resolve_cmd()
  result.backend_lens_on_path = vim.fn.executable("backend-lens") == 1
  vim.cmd("checkhealth backend_lens")
  result.health_buffer = vim.api.nvim_buf_get_name(0)
  result.health = vim.api.nvim_buf_get_lines(0, 0, -1, false)
end)
