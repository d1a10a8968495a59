-- The article's "Event Emitter" section, in Lua.
local EventEmitter = require("lode.events").EventEmitter

-- const eventEmitter = new EventEmitter();
local eventEmitter = EventEmitter.new()

-- emit and on
eventEmitter:on("sendMessage", function(message)
  console.log(message)
end)

eventEmitter:emit("sendMessage", "Hello Nodejs")

-- Several listeners run in the order they were registered: 1 2 3
eventEmitter:on("event", function() console.log(1) end)
eventEmitter:on("event", function() console.log(2) end)
eventEmitter:on("event", function() console.log(3) end)

eventEmitter:emit("event")

-- Removing listeners: after removeAllListeners nothing is printed.
local function onceMore() console.log("removed, never printed") end
eventEmitter:on("event", onceMore)
eventEmitter:removeListener("event", onceMore)
eventEmitter:removeAllListeners("event")
console.log(eventEmitter:emit("event"))

-- Inheriting from EventEmitter
local MyEmitter = EventEmitter:extend()
local myEmitter = MyEmitter.new()
myEmitter:on("event", function(a, b) console.log("an event occurred!", a, b) end)
myEmitter:emit("event", "a", "b")
