// The example programs of the playground's "Example" select: name → {label, source}. The
// first one is what the editor opens with.

/** The example programs, in the order the select lists them. */
export const EXAMPLES = {
  hello: {
    label: 'Hello',
    source: `# Printed lines stream into Output as they are printed;
# the value of \`main\` is shown after them.
cell main() -> String
  let name = "Lumen"
  print("Hello, {name}!")
  for i in 1..=3
    print("{i} x {i} = {i * i}")
  end
  "done"
end
`,
  },
  records: {
    label: 'Records and match',
    source: `record Item
  name: String where length(name) > 0
  price: Float where price >= 0.0
  quantity: Int = 1
end

enum Discount
  Percent(Float)
  Fixed(amount: Float)
  NoDiscount
end

cell subtotal(items: list[Item]) -> Float
  let mut total = 0.0
  for it in items
    total += it.price * it.quantity
  end
  total
end

cell apply(d: Discount, amount: Float) -> Float
  match d
    Percent(p) -> amount * (1.0 - p / 100.0)
    Fixed(amount: off) -> max(amount - off, 0.0)
    NoDiscount -> amount
  end
end

cell main() -> Float
  let cart = [
    Item(name: "pen", price: 1.5, quantity: 4),
    Item(name: "book", price: 12.0)
  ]
  print(cart[1])
  let before = subtotal(cart)
  for d in [Percent(50.0), Fixed(amount: 5.0), NoDiscount]
    print("{d}: {apply(d, before)}")
  end
  apply(Percent(10.0), before)
end
`,
  },
  tool: {
    label: 'A tool call (mock http.get)',
    source: `# The host provides http.get: here the mock in "Mock tools" below.
# Grants are checked inside the VM before the mock is called.
use tool http.get as Fetch
grant Fetch domain "api.example.com"
grant Fetch max_calls 2

cell main() -> Json
  let first = Fetch(url: "https://api.example.com/greeting")
  print("status {first.status}: {first.body}")
  let second = Fetch(url: "https://api.example.com/again")
  print(second.body)
  second
end
`,
  },
  deep: {
    label: 'An error three cells deep',
    source: `# inner fails, called by middle, outer and main. The trace lists
# their frames (only the failing line where the package gives no
# frames); click a frame to put the cursor on its line.
cell inner(xs: list[Int], i: Int) -> Int
  xs[i]
end

cell middle(xs: list[Int]) -> Int
  inner(xs, len(xs)) + 1
end

cell outer() -> Int
  middle([1, 2, 3]) * 2
end

cell main() -> Int
  print("about to fail")
  outer()
end
`,
  },
  loop: {
    label: 'An infinite loop (press Stop)',
    source: `# Runs until you press Stop: the run yields to the page between
# fuel slices, so the page stays responsive.
cell main() -> Int
  print("counting forever; press Stop")
  let mut i = 0
  while true
    i = i + 1
  end
  i
end
`,
  },
};

/** The example the editor opens with. */
export const FIRST_EXAMPLE = 'hello';
