-- :BackendLensInventory shows the project model as JSON in a scratch buffer in a split.
local T = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "common.lua"))

T.run(function(result)
  T.open_with_diagnostics(result)
  result.windows_before = T.windows()
  vim.cmd("BackendLensInventory")
  local ok, ms = T.wait(function()
    for _, name in ipairs(T.windows()) do
      if name:match("^backend%-lens://inventory/") then
        return true
      end
    end
    return false
  end)
  result.opened = ok
  result.inventory_ms = ms
  result.windows_after = T.windows()
  local bufnr = vim.api.nvim_get_current_buf()
  result.current = vim.api.nvim_buf_get_name(bufnr)
  result.lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  result.buftype = vim.bo[bufnr].buftype
  result.filetype = vim.bo[bufnr].filetype
  result.modifiable = vim.bo[bufnr].modifiable
  result.modified = vim.bo[bufnr].modified
  -- a second run refreshes the same buffer and window, no new split
  local refreshed = false
  require("backend_lens").inventory(function(inventory, err, buf)
    result.second_error = err
    result.second_buf_same = buf == bufnr
    refreshed = inventory ~= nil
  end)
  result.refreshed = T.wait(function()
    return refreshed
  end)
  result.windows_after_second = T.windows()
end)
