-- (c) :BackendLensReport writes backend-lens-report.md and opens it in a split.
local T = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "common.lua"))

T.run(function(result)
  T.open_with_diagnostics(result)
  result.windows_before = T.windows()
  vim.cmd("BackendLensReport")
  local ok, ms = T.wait(function()
    for _, name in ipairs(T.windows()) do
      if name:match("backend%-lens%-report%.md$") then
        return true
      end
    end
    return false
  end)
  result.opened = ok
  result.report_ms = ms
  result.windows_after = T.windows()
  result.current = vim.api.nvim_buf_get_name(0)
  result.current_first_line = vim.api.nvim_buf_get_lines(0, 0, 1, false)[1]
end)
